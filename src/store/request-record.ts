// A logged request as the REST API, the CLI and KeyManager show it (`GET /keys/:id/requests`).

import type { RequestLogEntry, RequestRecord } from '../types'

export function toRequestRecord(entry: RequestLogEntry): RequestRecord {
  const record: RequestRecord = {
    timestamp: new Date(entry.timestamp).toISOString(),
    method: entry.method,
    endpoint: entry.endpoint,
    status: entry.status,
    status_code: entry.status_code,
    duration_ms: entry.duration_ms,
    ip_address: entry.ip_address,
    credits: entry.credits,
  }
  if (entry.reason !== null) record.reason = entry.reason
  return record
}
