// `keyguard completion bash|zsh`: shell completion scripts, generated from the command tree itself.

import { Argument, type Command } from 'commander'

interface Node {
  /** `keys create`; '' for the program. */
  path: string
  /** Subcommands, or the choices of the first argument (`completion bash|zsh`). */
  words: string[]
  options: string[]
  /** Options that take a value, and the value's choices when there are any. */
  values: Map<string, string[]>
}

function walk(command: Command, path: string, global: Command): Node[] {
  const own = path === '' ? [] : command.options
  const options = [...own, ...global.options].filter((o) => !o.hidden)
  const values = new Map<string, string[]>()
  for (const option of options) {
    if (option.long && (option.required || option.optional)) {
      values.set(option.long, option.argChoices ?? [])
    }
  }
  const subcommands = command.commands.map((c) => c.name())
  const firstArgument = command.registeredArguments[0]
  const words =
    subcommands.length > 0
      ? [...subcommands, ...(path === '' ? ['help'] : [])]
      : (firstArgument?.argChoices ?? [])
  const node: Node = {
    path,
    words,
    options: [...options.map((o) => o.long ?? o.short ?? ''), '--help'].filter((o) => o !== ''),
    values,
  }
  return [
    node,
    ...command.commands.flatMap((c) =>
      walk(c, path === '' ? c.name() : `${path} ${c.name()}`, global),
    ),
  ]
}

/** Shell functions both scripts share: plain `case` statements, valid in bash and in zsh. */
function helpers(nodes: readonly Node[]): string {
  const wordsCases = nodes.map((n) => `    '${n.path}') echo '${n.words.join(' ')}' ;;`).join('\n')
  const optionCases = nodes
    .map((n) => `    '${n.path}') echo '${n.options.join(' ')}' ;;`)
    .join('\n')
  const takes = nodes.flatMap((n) => [...n.values.keys()].map((o) => `'${n.path}|${o}'`))
  const choices = nodes.flatMap((n) =>
    [...n.values]
      .filter(([, c]) => c.length > 0)
      .map(([o, c]) => `    '${n.path}|${o}') echo '${c.join(' ')}' ;;`),
  )
  return `_keyguard_words() {
  case "$1" in
${wordsCases}
  esac
}

_keyguard_options() {
  case "$1" in
${optionCases}
  esac
}

_keyguard_takes_value() {
  case "$1|$2" in
    ${takes.join(' | ')}) return 0 ;;
  esac
  return 1
}

_keyguard_choices() {
  case "$1|$2" in
${choices.join('\n')}
    *) return 1 ;;
  esac
}

# The command path typed so far ("keys create"), skipping flags and their values.
_keyguard_path() {
  local kgpath="" skip=0 word
  for word in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$word" in
      -*) _keyguard_takes_value "$kgpath" "$word" && skip=1 ;;
      *) case " $(_keyguard_words "$kgpath") " in
           *" $word "*) kgpath="\${kgpath:+$kgpath }$word" ;;
         esac ;;
    esac
  done
  echo "$kgpath"
}

# The candidates for the current word, given the path and the previous word.
_keyguard_candidates() {
  local kgpath="$1" prev="$2" cur="$3"
  if _keyguard_choices "$kgpath" "$prev"; then return; fi
  if _keyguard_takes_value "$kgpath" "$prev"; then return; fi
  case "$cur" in
    -*) _keyguard_options "$kgpath" ;;
    *) _keyguard_words "$kgpath" ;;
  esac
}`
}

function bashScript(nodes: readonly Node[]): string {
  return `# bash completion for keyguard. Load it with: source <(keyguard completion bash)
# or install it: keyguard completion bash > /etc/bash_completion.d/keyguard

${helpers(nodes)}

_keyguard_completion() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" kgpath
  if [ "$COMP_CWORD" -gt 1 ]; then prev="\${COMP_WORDS[COMP_CWORD-1]}"; fi
  kgpath="$(_keyguard_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  COMPREPLY=($(compgen -W "$(_keyguard_candidates "$kgpath" "$prev" "$cur")" -- "$cur"))
}

complete -F _keyguard_completion keyguard
`
}

function zshScript(nodes: readonly Node[]): string {
  return `#compdef keyguard
# zsh completion for keyguard. Load it with: source <(keyguard completion zsh)
# or install it as _keyguard in a folder of $fpath: keyguard completion zsh > "\${fpath[1]}/_keyguard"

${helpers(nodes)}

_keyguard() {
  local cur="\${words[CURRENT]}" prev="" kgpath
  if (( CURRENT > 2 )); then prev="\${words[CURRENT-1]}"; fi
  kgpath="$(_keyguard_path "\${(@)words[2,CURRENT-1]}")"
  local -a candidates
  candidates=(\${=$(_keyguard_candidates "$kgpath" "$prev" "$cur")})
  compadd -- "\${candidates[@]}"
}

if [ "$funcstack[1]" = "_keyguard" ]; then
  _keyguard "$@"
else
  compdef _keyguard keyguard
fi
`
}

export function completionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(keyguard completion bash)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const nodes = walk(program, '', program)
      process.stdout.write(shell === 'bash' ? bashScript(nodes) : zshScript(nodes))
    })
}
