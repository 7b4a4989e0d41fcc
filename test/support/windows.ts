/**
 * The most requests any rolling window of `windowMs` held, from arrival times (a simulator's call
 * log): how rate-limit tests check that a client never exceeded a platform's window.
 */
export const busiestWindow = (arrivals: readonly number[], windowMs: number): number => {
  const times = [...arrivals].sort((a, b) => a - b)
  let most = 0
  let head = 0
  for (let i = 0; i < times.length; i++) {
    while (times[head]! <= times[i]! - windowMs) head++
    most = Math.max(most, i - head + 1)
  }
  return most
}
