// metrics: the folder's public face, and the `keyguard/metrics` entry point (needs prom-client).

export * from './prometheus'
