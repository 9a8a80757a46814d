/** What every doctor check reads: the deployment, the budgeted clients, the clock and the abort signal. */
import type { Deployment } from '../deployment.js';
import type { DoctorClients } from './calls.js';

export interface DoctorContext {
  readonly deployment: Deployment;
  readonly clients: DoctorClients;
  readonly now: Date;
  readonly signal?: AbortSignal;
}

/** The options of one SDK `send`: the run's abort signal. */
export const sendOptions = (ctx: DoctorContext) => (ctx.signal ? { abortSignal: ctx.signal } : {});

/** `2 h 5 min`, `40 s`: how long ago or how long, for evidence lines. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}
