// The dashboard's static files as an Express router: index.html at its root, the build's other files by name, strict headers on every answer.

import { type Request, type Response, Router } from 'express'
import { KeyguardError } from '../errors'
import { type Asset, AssetFolder } from './asset-folder'
import { DASHBOARD_HEADERS } from './headers'

export interface DashboardRouterOptions {
  /** The folder of the built assets (`dist/ui`), or null when there is none (see dashboardAssetsDir). */
  assetsDir: string | null
}

const NOT_BUILT = new KeyguardError(
  503,
  'DASHBOARD_NOT_BUILT',
  'The dashboard is not built: run `npm run build` in the keyguard package (it writes the assets to dist/ui/)',
)

function fail(res: Response, error: KeyguardError): void {
  res.setHeader('Cache-Control', 'no-store')
  res.status(error.status).json(error.toJSON())
}

function send(req: Request, res: Response, asset: Asset, page: boolean): void {
  res.setHeader('Content-Type', asset.type)
  if (page) {
    // The page is the entry point of a new version: always fetched anew.
    res.setHeader('Cache-Control', 'no-store')
  } else {
    // The names carry no content hash: a cached copy is checked (a 304 when unchanged), so an
    // upgrade never mixes an old script with a new page.
    res.setHeader('Cache-Control', 'public, no-cache')
    res.setHeader('ETag', asset.etag)
    if (req.headers['if-none-match'] === asset.etag) {
      res.status(304).end()
      return
    }
  }
  res.setHeader('Content-Length', asset.body.length)
  if (req.method === 'HEAD') res.end()
  else res.end(asset.body)
}

async function serve(folder: AssetFolder, req: Request, res: Response): Promise<void> {
  for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) res.setHeader(name, value)
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    const message = `Method ${req.method} not allowed; use GET or HEAD`
    return fail(res, new KeyguardError(405, 'METHOD_NOT_ALLOWED', message))
  }
  if (!(await folder.built())) return fail(res, NOT_BUILT)
  const notFound = new KeyguardError(404, 'NOT_FOUND', 'Not found')
  if (req.path === '/') {
    const query = req.originalUrl.indexOf('?')
    const pathname = query === -1 ? req.originalUrl : req.originalUrl.slice(0, query)
    if (!pathname.endsWith('/')) {
      // `<admin>/ui` → `<admin>/ui/`, so that the page's relative URLs (app.js) resolve inside
      // ui/. Relative, so it holds behind a proxy that mounts the API under another path.
      const last = pathname.slice(pathname.lastIndexOf('/') + 1)
      // Not cached: whether the dashboard is served is the server's choice, and may change.
      res.setHeader('Cache-Control', 'no-store')
      res.redirect(301, `${last}/${query === -1 ? '' : req.originalUrl.slice(query)}`)
      return
    }
    const page = await folder.read(['index.html'])
    return page ? send(req, res, page, true) : fail(res, NOT_BUILT)
  }
  const segments = req.path.slice(1).split('/')
  const asset = await folder.read(segments)
  if (!asset) return fail(res, notFound)
  send(req, res, asset, segments.length === 1 && segments[0] === 'index.html')
}

/** Serves the built dashboard from `assetsDir`; answers 503 DASHBOARD_NOT_BUILT while it is not built. */
export function dashboardRouter(options: DashboardRouterOptions): Router {
  const folder = new AssetFolder(options.assetsDir)
  const router = Router()
  router.use((req, res, next) => {
    serve(folder, req, res).catch(next)
  })
  return router
}
