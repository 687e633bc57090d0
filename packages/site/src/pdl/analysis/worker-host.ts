/**
 * The worker side of the analysis pool: the messages between the pool and its workers, and the loop a worker
 * runs. A worker analyses one file at a time (the pool never sends a second before the first is answered),
 * reports what it detected as soon as it knows, and answers every task, even one whose analysis threw.
 *
 * A worker runs at a lower CPU priority than the rest of the site (nice 10; Linux sets it per thread, and the
 * ghostscript processes of enhanced mode inherit it). Accepting jobs and answering clients come first: under a
 * burst, analysis uses the CPU intake leaves and catches up afterwards, jobs waiting in `processing` meanwhile.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { analyseFile, type DetectedDocument } from './analyse-file';
import { type AnalysisMode, type JobAnalysis } from './job-analysis';
import { type AnalysisToolkit } from './toolkit';
import { errorMessage } from './error-message';

/** Pool → worker: analyse one file. */
export interface WorkerTask {
  id: number;
  path: string;
  mode: AnalysisMode;
  deadline: number;
  protocolCopies: number;
  maxBufferBytes: number;
}

/** Worker → pool: detection done; the long part starts. */
export interface WorkerDetected {
  id: number;
  kind: 'detected';
  detected: DetectedDocument;
}

/** Worker → pool: the analysis, or why there is none. */
export type WorkerAnswer =
  { id: number; kind: 'done'; analysis: JobAnalysis } | { id: number; kind: 'failed'; message: string };

/** Worker → pool: loaded and listening; the pool's time limit for a task starts only after this. */
export interface WorkerReady {
  kind: 'ready';
}

/** Any message a worker sends. */
export type WorkerMessage = WorkerReady | WorkerDetected | WorkerAnswer;

async function answer(task: WorkerTask, toolkit: AnalysisToolkit): Promise<WorkerAnswer> {
  try {
    const analysis = await analyseFile(task.path, {
      mode: task.mode,
      deadline: task.deadline,
      protocolCopies: task.protocolCopies,
      maxBufferBytes: task.maxBufferBytes,
      toolkit,
      onDetected: (detected) => post({ id: task.id, kind: 'detected', detected }),
    });
    return { id: task.id, kind: 'done', analysis };
  } catch (err) {
    return { id: task.id, kind: 'failed', message: errorMessage(err) };
  }
}

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

/** The nice value of analysis threads (0 is normal, 19 the lowest priority). */
export const ANALYSIS_NICE = 10;

/**
 * Lower this thread's CPU priority to ANALYSIS_NICE; true when it did. On Linux a thread's id is a process id for
 * setpriority(2), and /proc/thread-self names it. Elsewhere, or when refused, the thread keeps its priority.
 */
export function lowerThreadPriority(): boolean {
  try {
    const threadId = Number(path.basename(readlinkSync('/proc/thread-self')));
    if (!Number.isInteger(threadId) || threadId <= 0) return false;
    setPriority(threadId, ANALYSIS_NICE);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serve analysis tasks from the pool on this worker thread with `toolkit`. The worker entry calls it once with
 * the real analysers; a test worker calls it with analysers that misbehave on purpose.
 */
export function serveAnalyses(toolkit: AnalysisToolkit): void {
  if (!parentPort) throw new Error('serveAnalyses runs on a worker thread started by the analysis pool');
  lowerThreadPriority();
  parentPort.on('message', (task: WorkerTask) => {
    void answer(task, toolkit).then(post);
  });
  post({ kind: 'ready' });
}
