// Types of cluster-options.js (plain JavaScript, so that the child app processes can load it too).

import type { ClusterOptions } from 'ioredis'

export function recommendedClusterOptions(): ClusterOptions
