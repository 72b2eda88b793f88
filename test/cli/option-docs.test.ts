// Every flag of every command says what it defaults to, so `--help` alone tells what happens without it.

import type { Command } from 'commander'
import { buildProgram } from '../../src/cli'

function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)]
}

describe('keyguard option docs', () => {
  it('documents a default for every option of every command', () => {
    const missing: string[] = []
    for (const command of commandsOf(buildProgram())) {
      for (const option of command.options) {
        if (option.hidden || option.long === '--help' || option.long === '--version') continue
        if (!/Defaults to |\(required\)/.test(option.description))
          missing.push(`${command.name()} ${option.flags}`)
      }
    }
    expect(missing).toEqual([])
  })
})
