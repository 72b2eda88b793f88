// Entry point: the styles (uPlot's and ours, bundled into app.css) and the app, mounted on #app.

import 'uplot/dist/uPlot.min.css'
import '../styles.css'
import { render } from 'preact'
import { App } from './app'

const root = document.getElementById('app')
if (root) render(<App />, root)
