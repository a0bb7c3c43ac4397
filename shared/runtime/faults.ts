/**
 * Named crash points for the fault tests: when `OMS_FAULT_POINT` names one, the process dies there with
 * SIGKILL, as a machine losing power would, between two steps that must both happen or be recoverable.
 * Unset (always, outside those tests) it is a single comparison.
 */
export function faultPoint(name: string): void {
  if (process.env.OMS_FAULT_POINT === name) process.kill(process.pid, 'SIGKILL');
}
