// The ioredis Cluster options docs/operations.md recommends, used by the cluster tests, the soak and bench/shards.js.

/** @returns {import('ioredis').ClusterOptions} */
function recommendedClusterOptions() {
  return {
    // Slots are re-read every second, and at once when a node fails: after a failover, commands
    // find the promoted replica within about a node timeout.
    slotsRefreshInterval: 1000,
    slotsRefreshTimeout: 1000,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
    redisOptions: { connectTimeout: 1000, maxRetriesPerRequest: 1 },
  }
}

module.exports = { recommendedClusterOptions }
