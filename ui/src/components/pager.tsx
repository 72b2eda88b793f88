// Previous / next for a paged list, with where you are in it.

export function Pager(props: {
  page: number
  limit: number
  count: number
  onPage: (page: number) => void
  label: string
}) {
  const pages = Math.max(1, Math.ceil(props.count / props.limit))
  const first = props.count === 0 ? 0 : (props.page - 1) * props.limit + 1
  const last = Math.min(props.count, props.page * props.limit)
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        ← Previous
      </button>
      <span aria-live="polite">
        {first}–{last} of {props.count} · page {props.page} of {pages}
      </span>
      <button
        type="button"
        disabled={props.page >= pages}
        onClick={() => props.onPage(props.page + 1)}
      >
        Next →
      </button>
    </nav>
  )
}
