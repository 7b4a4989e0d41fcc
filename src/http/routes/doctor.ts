import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Doctor } from '../../services/doctor.js'
import { ApiError } from '../errors.js'
import { errorResponses } from '../schemas.js'

/** `GET /api/doctor`: the doctor's report (docs/doctor.md); it calls both platforms, read-only. */

const DoctorRow = z.object({
  platform: z.enum(['gravityzone', 'halopsa', 'relay']),
  check: z.string(),
  call: z.string(),
  outcome: z.enum(['ok', 'warning', 'skipped', 'problem', 'unexpected_shape', 'refused', 'unreachable']),
  detail: z.string(),
  field: z.string().optional(),
  status: z.number().int().optional(),
  hint: z.string().optional(),
  durationMs: z.number()
})

const DoctorReport = z.object({
  ok: z.boolean().describe('true when no check failed (warnings and skipped checks do not fail)'),
  startedAt: z.string(),
  durationMs: z.number(),
  rows: z.array(DoctorRow)
})

export const doctorRoutes =
  (doctor: Doctor | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/doctor',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['operations'],
          summary: 'Check every platform call the relay depends on, read-only, and report each answer',
          response: { 200: DoctorReport, ...errorResponses(401, 403, 503) }
        }
      },
      async () => {
        if (!doctor) throw new ApiError('not_configured', 'the platform connections are not configured')
        return doctor.run()
      }
    )
  }
