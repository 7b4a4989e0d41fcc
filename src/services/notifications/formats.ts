import { createHmac } from 'node:crypto'

/**
 * What a notification says, in each target's format (docs/notifications.md#formats): `json` is the
 * relay's own body, `slack` a Slack incoming-webhook message (text plus a section block), `teams`
 * an Adaptive Card in the message envelope Teams' incoming webhooks (Workflows) take.
 */

export type NoticeKind = 'raised' | 'closed' | 'test'

export type NoticeEvent = {
  id: string
  type: string
  title: string
  category: string
  subject: Record<string, unknown>
  status: 'active' | 'closed'
  description?: string
}

export type Notice = {
  /** The delivery's idempotency key: the same on every attempt, and after a restart. */
  id: string
  kind: NoticeKind
  occurredAt: string
  event: NoticeEvent
}

const headline = (n: Notice): string =>
  n.kind === 'test'
    ? 'Test notification from gz-halo-relay'
    : `${n.kind === 'raised' ? 'Raised' : 'Closed'}: ${n.event.title}`

const subjectLines = (subject: Record<string, unknown>): [string, string][] =>
  Object.entries(subject)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .slice(0, 10)
    .map(([k, v]) => [k, String(v).slice(0, 200)])

export const jsonBody = (n: Notice) => ({
  id: n.id,
  kind: n.kind,
  occurredAt: n.occurredAt,
  event: {
    id: n.event.id,
    type: n.event.type,
    title: n.event.title,
    category: n.event.category,
    subject: n.event.subject,
    status: n.event.status
  }
})

const slackBody = (n: Notice) => {
  const lines = subjectLines(n.event.subject).map(([k, v]) => `• ${k}: ${v}`)
  const text = `${headline(n)} (${n.event.type})`
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: [`*${text}*`, n.event.description ?? '', ...lines].filter(Boolean).join('\n') }
      }
    ]
  }
}

const teamsBody = (n: Notice) => ({
  type: 'message',
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body: [
          { type: 'TextBlock', text: headline(n), weight: 'Bolder', size: 'Medium', wrap: true },
          ...(n.event.description ? [{ type: 'TextBlock', text: n.event.description, wrap: true }] : []),
          {
            type: 'FactSet',
            facts: [['type', n.event.type], ['status', n.event.status], ...subjectLines(n.event.subject)].map(
              ([title, value]) => ({ title: title!, value: value! })
            )
          }
        ]
      }
    }
  ]
})

export const bodyOf = (format: 'json' | 'teams' | 'slack', n: Notice): string =>
  JSON.stringify(format === 'json' ? jsonBody(n) : format === 'slack' ? slackBody(n) : teamsBody(n))

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the target's secret. */
export const signature = (secret: string, body: string, unixSeconds: number): string =>
  `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`
