// Stylesheets imported by the entry point: esbuild bundles them into app.css.
declare module '*.css'
