// The kinds of work a pool worker runs, by name.
import { convertFileTask } from '../commands/convert-input.ts';
import { filePassTask } from './file-pass-task.ts';
import type { TaskHandler } from './protocol.ts';

export const TASKS: Readonly<Record<string, TaskHandler>> = {
  'convert-file': convertFileTask,
  'file-pass': filePassTask,
};
