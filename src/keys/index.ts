// keys: the folder's public face; other folders import from here only.

export * from './bootstrap'
export * from './client-tokens'
export * from './credits'
export {
  IMPORT_MAX_ROWS,
  IMPORTED_KEY_NAME,
  importBodySchema,
  importRowSchema,
} from './import-row'
export * from './import-text'
export {
  type ImportError,
  type ImportReport,
  ImportSession,
  type NumberedRow,
} from './key-import'
export * from './key-manager'
export * from './plan-manager'
export * from './schemas'
export * from './series-query'
export * from './user-manager'
export * from './user-schemas'
export { inheritedPlan } from './user-sync'
export * from './validation-details'
