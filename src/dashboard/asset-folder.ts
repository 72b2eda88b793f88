// The built dashboard's files, read from their folder by URL path: never outside it, never a dotfile; kept in memory while unchanged.

import { createHash } from 'node:crypto'
import { readFile, realpath, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { contentTypeOf } from './content-types'

export interface Asset {
  body: Buffer
  /** A strong entity tag of the content, for `If-None-Match`. */
  etag: string
  type: string
}

interface Cached {
  mtimeMs: number
  size: number
  asset: Asset
}

/** A path segment that names a file or folder in the assets, once percent-decoded; null for anything else. */
function segmentOf(raw: string): string | null {
  let name: string
  try {
    name = decodeURIComponent(raw)
  } catch {
    return null
  }
  // No "..", no hidden file, no separator or NUL smuggled in by encoding.
  if (name === '' || name.startsWith('.') || /[/\\\0]/.test(name)) return null
  return name
}

export class AssetFolder {
  /** One entry per file served (the build's files): re-read when its size or time changes. */
  private readonly cache = new Map<string, Cached>()

  constructor(readonly dir: string | null) {}

  /** Whether the build is there: its folder with index.html in it. Checked per request, so a build after start counts. */
  async built(): Promise<boolean> {
    if (this.dir === null) return false
    try {
      return (await stat(join(this.dir, 'index.html'))).isFile()
    } catch {
      return false
    }
  }

  /** The file at these URL path segments (still percent-encoded), or null when there is none to serve. */
  async read(rawSegments: readonly string[]): Promise<Asset | null> {
    if (this.dir === null || rawSegments.length === 0) return null
    const segments: string[] = []
    for (const raw of rawSegments) {
      const segment = segmentOf(raw)
      if (segment === null) return null
      segments.push(segment)
    }
    try {
      // A symbolic link may not lead out of the folder either.
      const [root, file] = await Promise.all([
        realpath(this.dir),
        realpath(join(this.dir, ...segments)),
      ])
      if (!file.startsWith(root + sep)) return null
      const info = await stat(file)
      if (!info.isFile()) return null
      const cached = this.cache.get(file)
      if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size)
        return cached.asset
      const body = await readFile(file)
      const digest = createHash('sha256').update(body).digest('base64url').slice(0, 27)
      const asset = { body, etag: `"${digest}"`, type: contentTypeOf(file) }
      this.cache.set(file, { mtimeMs: info.mtimeMs, size: info.size, asset })
      return asset
    } catch {
      return null
    }
  }
}
