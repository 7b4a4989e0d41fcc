/**
 * What the relay's parts log through: pino's calling convention, an object of fields first, then
 * the message. main.ts's pino instance and Fastify's request logger both fit; tests leave it out.
 */
export type Logger = {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}
