import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * The client secret from HALO_CLIENT_SECRET, else from standard input: all of it when piped,
 * one hidden line when typed at a terminal. Never from the command line.
 */
export async function readSecret(): Promise<string> {
  const fromEnv = process.env.HALO_CLIENT_SECRET;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) return promptHidden('Client Secret (input hidden): ');
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

async function promptHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  // readline echoes what is typed to its output; this one swallows it.
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}
