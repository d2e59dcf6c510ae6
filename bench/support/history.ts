import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
// @temporalio/proto comes with @temporalio/client; it gives the protobuf encoding the server measures.
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface PayloadInfo {
  bytes: number;
  eventId: number;
  eventType: string;
  /** Field path of the payload inside the event. */
  where: string;
}

export interface HistoryStats {
  workflowId: string;
  runId?: string;
  events: number;
  /** Protobuf-encoded size of the history (what Temporal's history size limit counts). */
  bytes: number;
  /** Size as JSON (protobufjs toObject: enums as names, bytes as base64), close to `temporal workflow show -o json`. */
  jsonBytes: number;
  /** Every payload's data bytes, summed. */
  payloadBytes: number;
  payloads: number;
  largestPayloads: PayloadInfo[];
  eventTypes: Record<string, number>;
  /** Protobuf-encoded bytes of the events of each type. */
  bytesByEventType: Record<string, number>;
  events_: HistoryEvent[];
}

const eventTypeName = (e: HistoryEvent): string =>
  (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');

/** Payloads are the protobuf messages with `data` bytes (and `metadata`), wherever they sit in an event. */
function scanPayloads(value: unknown, where: string, found: (bytes: number, where: string) => void): void {
  if (value === null || typeof value !== 'object') return;
  if (value instanceof Uint8Array) return;
  const v = value as Record<string, unknown>;
  if (v.data instanceof Uint8Array && 'metadata' in v) {
    found(v.data.length, where);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => scanPayloads(item, `${where}[${i}]`, found));
    return;
  }
  for (const [key, child] of Object.entries(v)) scanPayloads(child, where ? `${where}.${key}` : key, found);
}

export async function historyStats(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<HistoryStats> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const History = temporal.api.history.v1.History;
  const bytes = History.encode(history).finish().length;
  const jsonBytes = Buffer.byteLength(
    JSON.stringify(
      History.toObject(History.decode(History.encode(history).finish()), {
        longs: String,
        enums: String,
        bytes: String,
      }),
    ),
  );
  const all: PayloadInfo[] = [];
  const eventTypes: Record<string, number> = {};
  const bytesByEventType: Record<string, number> = {};
  for (const e of events) {
    const type = eventTypeName(e);
    eventTypes[type] = (eventTypes[type] ?? 0) + 1;
    bytesByEventType[type] =
      (bytesByEventType[type] ?? 0) + temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
    scanPayloads(e, '', (n, where) =>
      all.push({ bytes: n, eventId: Number(e.eventId ?? 0), eventType: type, where }),
    );
  }
  all.sort((a, b) => b.bytes - a.bytes);
  return {
    workflowId,
    runId,
    events: events.length,
    bytes,
    jsonBytes,
    payloadBytes: all.reduce((n, p) => n + p.bytes, 0),
    payloads: all.length,
    largestPayloads: all.slice(0, 3),
    eventTypes,
    bytesByEventType,
    events_: events,
  };
}

export const eventTimeMs = (e: HistoryEvent): number => tsToMs(e.eventTime);

/**
 * When the controller recorded a change's outcome: its first workflow task completed after the child run
 * closed (the task that ran `settle`).
 */
export function outcomeRecordedAt(
  controllerEvents: HistoryEvent[],
  childWorkflowId: string,
): number | undefined {
  const closed = controllerEvents.findIndex((e) => {
    const attrs =
      e.childWorkflowExecutionCompletedEventAttributes ??
      e.childWorkflowExecutionFailedEventAttributes ??
      e.childWorkflowExecutionCanceledEventAttributes ??
      e.childWorkflowExecutionTerminatedEventAttributes ??
      e.childWorkflowExecutionTimedOutEventAttributes;
    return attrs?.workflowExecution?.workflowId === childWorkflowId;
  });
  if (closed < 0) return undefined;
  const recorded = controllerEvents.slice(closed).find((e) => e.workflowTaskCompletedEventAttributes);
  return recorded ? eventTimeMs(recorded) : undefined;
}

export interface ActivitySpan {
  scheduledEventId: number;
  type: string;
  scheduled: number;
  started: number;
  closed: number;
  attempt: number;
  outcome: string;
}

/** Scheduled, started and closed times of every activity of a run, from its history. */
export function activitySpans(events: HistoryEvent[]): ActivitySpan[] {
  const spans = new Map<number, ActivitySpan>();
  for (const e of events) {
    const type = eventTypeName(e);
    const at = eventTimeMs(e);
    if (type === 'ACTIVITY_TASK_SCHEDULED') {
      const id = Number(e.eventId);
      spans.set(id, {
        scheduledEventId: id,
        type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
        scheduled: at,
        started: NaN,
        closed: NaN,
        attempt: 1,
        outcome: 'open',
      });
    } else if (type === 'ACTIVITY_TASK_STARTED') {
      const span = spans.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
      if (span) {
        span.started = at;
        span.attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
      }
    } else if (type.startsWith('ACTIVITY_TASK_')) {
      const attrs =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskTimedOutEventAttributes ??
        e.activityTaskCanceledEventAttributes;
      const span = attrs ? spans.get(Number(attrs.scheduledEventId)) : undefined;
      if (span) {
        span.closed = at;
        span.outcome = type.replace('ACTIVITY_TASK_', '').toLowerCase();
      }
    }
  }
  return [...spans.values()];
}

/** Total length of the union of intervals. */
export function unionMs(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  let start = -Infinity;
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start;
      start = s;
      end = e;
    } else end = Math.max(end, e);
  }
  if (end > start) total += end - start;
  return total;
}

/**
 * Wall time of the same run with a zero-latency engine: the measured activity durations replayed as the
 * workflow orders them (load, then diff, then the repositories through `concurrency` slots in plan order).
 */
export function zeroLatencyWallMs(spans: ActivitySpan[], concurrency: number): number {
  const duration = (s: ActivitySpan): number => s.closed - s.started;
  const sequential = spans.filter((s) => s.type !== 'reconcileRepository');
  const repos = spans
    .filter((s) => s.type === 'reconcileRepository')
    .sort((a, b) => a.scheduledEventId - b.scheduledEventId);
  const slots = Array.from({ length: Math.max(1, concurrency) }, () => 0);
  for (const s of repos) {
    let min = 0;
    for (let i = 1; i < slots.length; i++) if ((slots[i] as number) < (slots[min] as number)) min = i;
    slots[min] = (slots[min] as number) + duration(s);
  }
  return sequential.reduce((n, s) => n + duration(s), 0) + Math.max(...slots);
}

export const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
export const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(2)} MB`;

export function describeHistory(label: string, h: HistoryStats): string[] {
  const top = h.largestPayloads[0];
  return [
    `${label}: ${h.events} events, ${kb(h.bytes)} (protobuf), ${kb(h.jsonBytes)} as JSON, ` +
      `${h.payloads} payloads totalling ${kb(h.payloadBytes)}`,
    `  largest payload: ${top ? `${kb(top.bytes)} in event ${top.eventId} ${top.eventType} (${top.where})` : 'none'}`,
    `  by event type: ${Object.entries(h.bytesByEventType)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(
        ([type, bytes]) =>
          `${type} ${h.eventTypes[type]} x ${(bytes / (h.eventTypes[type] ?? 1)).toFixed(0)} B`,
      )
      .join(', ')}`,
  ];
}
