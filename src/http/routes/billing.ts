import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Month } from '../../domain/facts.js'
import type { BillingReports } from '../../services/billing/reports.js'
import { reconciliationCsv, reconciliationFlags } from '../../services/billing/reconciliation.js'
import { causeOf } from '../cause.js'
import { ApiError } from '../errors.js'
import { errorResponses } from '../schemas.js'
import { RunStarted, Wait, answer } from './jobs.js'

/**
 * Billing you can check before it writes (docs/billing.md): the preview of a run, the monthly
 * reconciliation (JSON, or CSV with `Accept: text/csv`), and — with BILLING_APPROVAL=manual —
 * the proposals and their approval.
 */

const MonthQuery = z.object({
  month: Month.optional().describe('MM/YYYY; default: last month')
})

const Calls = z.object({ gravityzone: z.number().int(), halopsa: z.number().int() })
const SkipReason = z.string().describe('why the mapping is not billed: suspended, billing-disabled, invoice-missing…')

const PlannedLine = z.object({
  itemId: z.number().int(),
  usage: z.string().describe('the GravityZone usage counter(s) billed with the item'),
  counters: z.array(z.string()),
  gravityzoneQuantity: z.number(),
  halopsaQuantity: z.number().nullable(),
  action: z.enum(['update', 'unchanged', 'skip']),
  reason: z.string().optional(),
  quantityType: z.number().int().optional()
})

const MappingPlan = z.object({
  mappingId: z.string(),
  customer: z.string(),
  gravityzoneCompanyId: z.string(),
  halopsaClientId: z.number().int(),
  billing: z.boolean(),
  recurringInvoiceId: z.number().int().nullable(),
  lines: z.array(PlannedLine),
  skipped: SkipReason.optional(),
  detail: z.string().optional(),
  usageJump: z
    .object({
      previousMonth: z.string(),
      previous: z.number(),
      current: z.number(),
      changePercent: z.number().nullable()
    })
    .optional()
})

/** How many mappings a billing plan covers, bills and skips, and what it does to their lines. */
const PlanCounts = z.object({
  mappings: z.number().int(),
  billed: z.number().int(),
  skipped: z.number().int(),
  update: z.number().int(),
  unchanged: z.number().int(),
  skip: z.number().int()
})

const BillingPreview = z
  .object({
    month: Month,
    mappings: z.array(MappingPlan),
    totals: PlanCounts.extend({
      quantities: z.object({ gravityzone: z.number(), halopsa: z.number(), update: z.number() }),
      usageJumps: z.number().int()
    }),
    calls: Calls
  })
  .meta({ id: 'BillingPreview' })

const Flag = z.enum(reconciliationFlags)

const Reconciliation = z
  .object({
    month: Month,
    rows: z.array(
      z.object({
        customer: z.string(),
        gravityzoneCompanyId: z.string(),
        mappingId: z.string().nullable(),
        halopsaClientId: z.number().int().nullable(),
        recurringInvoiceId: z.number().int().nullable(),
        billing: z.enum(['on', 'off', 'unmapped']),
        itemId: z.number().int().nullable(),
        usage: z.string().nullable(),
        gravityzoneQuantity: z.number().nullable(),
        halopsaQuantity: z.number().nullable(),
        difference: z.number().nullable(),
        flags: z.array(Flag),
        skipped: SkipReason.optional()
      })
    ),
    totals: z.object({
      rows: z.number().int(),
      mappings: z.number().int(),
      flags: z.record(Flag, z.number().int()),
      unmapped: z.object({
        companies: z.number().int(),
        checked: z.number().int(),
        notChecked: z.number().int(),
        failed: z.number().int()
      })
    }),
    calls: Calls
  })
  .meta({ id: 'BillingReconciliation' })

const ProposalStatus = z.enum(['pending', 'approved', 'applied', 'superseded'])

const Proposal = z
  .object({
    proposalId: z.string(),
    month: Month,
    status: ProposalStatus,
    stale: z.boolean().describe('pending, but made before the latest poll: approving it makes a new one'),
    proposedAt: z.string(),
    proposedBy: z.string(),
    totals: PlanCounts,
    supersedes: z.string().optional(),
    supersededBy: z.string().optional(),
    approvedAt: z.string().optional(),
    approvedBy: z.string().optional(),
    appliedBy: z
      .object({
        runId: z.string(),
        at: z.string(),
        billed: z.number().int(),
        unchanged: z.number().int(),
        skipped: z.number().int(),
        failed: z.number().int()
      })
      .optional()
  })
  .meta({ id: 'BillingProposal' })

const wantsCsv = (accept: string | undefined) => /\btext\/csv\b/i.test(accept ?? '')

export const billingRoutes =
  (billing: BillingReports | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const reports = () => {
      if (!billing) throw new ApiError('not_configured', 'billing needs the platform connections')
      return billing
    }
    const monthOf = (month: string | undefined) => month ?? reports().lastMonth()

    app.get(
      '/api/billing/preview',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['billing'],
          summary: 'What a billing run for the month would do, per mapping; writes nothing',
          querystring: MonthQuery,
          response: { 200: BillingPreview, ...errorResponses(400, 401, 502, 503) }
        }
      },
      async (request) => reports().preview(monthOf(request.query.month))
    )

    app.get(
      '/api/billing/reconciliation',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['billing'],
          summary: "GravityZone's usage against the mapped invoices' quantities, flagged; CSV with Accept: text/csv",
          querystring: MonthQuery,
          response: { 200: Reconciliation, ...errorResponses(400, 401, 502, 503) }
        }
      },
      async (request, reply) => {
        const month = monthOf(request.query.month)
        const result = await reports().reconciliation(month)
        if (!wantsCsv(request.headers.accept)) return result
        return (
          reply
            .type('text/csv; charset=utf-8')
            .header(
              'content-disposition',
              `attachment; filename="reconciliation-${month.slice(3)}-${month.slice(0, 2)}.csv"`
            )
            // A string with its own content type goes out as it is, past the JSON schema.
            .send(reconciliationCsv(result) as unknown as typeof result)
        )
      }
    )

    app.get(
      '/api/billing/proposals',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['billing'],
          summary: 'Billing proposals (BILLING_APPROVAL=manual), newest month first',
          querystring: MonthQuery.extend({ status: ProposalStatus.optional() }),
          response: {
            200: z.object({ approval: z.enum(['auto', 'manual']), items: z.array(Proposal) }),
            ...errorResponses(400, 401, 503)
          }
        }
      },
      async (request) => {
        const { month, status } = request.query
        return reports().proposals({
          ...(month !== undefined ? { month } : {}),
          ...(status !== undefined ? { status } : {})
        })
      }
    )

    app.post(
      '/api/billing/proposals/:id/approve',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['billing'],
          summary: 'Approve a billing proposal: a billing run writes it (409 proposal_stale after a newer poll)',
          params: z.object({ id: z.string().min(1).max(64) }),
          querystring: Wait,
          response: {
            200: z.record(z.string(), z.unknown()).describe('the run finished within the wait: its result'),
            202: RunStarted.describe('the run goes on: follow it with GET /api/jobs/{runId}'),
            ...errorResponses(400, 401, 403, 404, 409, 503)
          }
        }
      },
      async (request, reply) =>
        answer(reply, await reports().approve(request.params.id, causeOf(request), request.query.wait * 1000))
    )
  }
