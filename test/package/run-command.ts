// Runs a command without blocking the event loop (so two npm installs can run at once) and
// resolves with its exit status and output; it never rejects on a non-zero exit.

import { spawn } from 'node:child_process'

export interface CommandResult {
  status: number | null
  stdout: string
  stderr: string
}

export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** Like runCommand, but a non-zero exit throws with the command's output, to say what broke. */
export async function mustRun(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const result = await runCommand(command, args, options)
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status} in ${options.cwd}:\n` +
        `${result.stdout}\n${result.stderr}`,
    )
  }
  return result.stdout
}
