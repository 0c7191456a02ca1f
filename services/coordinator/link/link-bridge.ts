/**
 * Connects the link tracker to the event transport: client presence and link
 * reports come in on their subjects (validated; bad payloads are counted and
 * dropped, never thrown), and the coordinator's own observations and round
 * lifecycle events go out. A report whose payload names another client than
 * its subject is dropped and counted: NATS permissions let each client publish
 * only on its own subjects, so the subject is who is talking. Losing NATS loses only these extra signals: the
 * tracker keeps learning from the gRPC side (heartbeats, probes, transfers).
 */
import { printable } from '../../../common/sanitize';
import type { EventTransport, Subscription, TransportMessage } from '../../../common/events/event-transport';
import { encodeObservation, encodeRoundEvent, parseLinkReport, parsePresence, type RoundLifecycleEvent } from '../../../common/events/payloads';
import { ALL_LINK, ALL_PRESENCE, clientIdFromSubject, observationSubject, roundEventSubject } from '../../../common/events/subjects';
import type { CoordinatorObservation, LinkReport, Presence } from '../../../common/link';
import type { Logger } from '../../../common/logger';
import type { LinkSink } from '../rpc/fleet-service';
import type { LinkTracker } from './link-tracker';

/** Most characters of a client-supplied id put in a log line. */
const LOGGED_ID_CHARS = 64;

/** A NATS-supplied string as it may appear in a log line: controls out, bounded. */
const loggable = (id: unknown, max = LOGGED_ID_CHARS): string => printable(typeof id === 'string' ? id : String(id), max);

/** A payload that speaks for another client than its subject names. */
class SenderMismatchError extends Error {
  constructor(
    readonly subjectClientId: string | undefined,
    readonly payloadClientId: string,
  ) {
    super('client id does not match the subject');
    this.name = 'SenderMismatchError';
  }
}

/** The tracker, fed from NATS as well as gRPC, with outgoing events published. */
export class LinkBridge implements LinkSink {
  private readonly subscriptions: Subscription<TransportMessage>[] = [];
  private loops: Promise<void>[] = [];
  private invalid = 0;
  private mismatched = 0;

  constructor(
    private readonly transport: EventTransport,
    private readonly tracker: LinkTracker,
    private readonly logger: Logger,
  ) {}

  /** Payloads received that failed validation (dropped). */
  get invalidPayloads(): number {
    return this.invalid;
  }

  /** Presence and link payloads dropped because their clientId was not the client their subject names. */
  get senderMismatches(): number {
    return this.mismatched;
  }

  /** Subscribes to presence and link subjects. */
  start(): void {
    this.consume(ALL_LINK, (m) => {
      const report = parseLinkReport(m.payload);
      assertSender(m.subject, report.clientId);
      this.tracker.report(report);
    });
    this.consume(ALL_PRESENCE, (m) => {
      const p = parsePresence(m.payload);
      assertSender(m.subject, p.clientId);
      this.tracker.presence(p.clientId, p.status);
    });
  }

  /** Ends the subscriptions (the transport itself is stopped by its owner). */
  async stop(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) s.close();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  report(r: LinkReport): void {
    this.tracker.report(r);
  }

  observe(o: CoordinatorObservation): void {
    this.tracker.observe(o);
    // A transfer too fast to time on a millisecond clock says nothing worth publishing.
    if (o.kind === 'transfer' && !(o.seconds > 0)) return;
    this.publish(() => this.transport.publish(observationSubject(o.clientId), encodeObservation(o)));
  }

  presence(clientId: string, p: Presence): void {
    this.tracker.presence(clientId, p);
  }

  /** Publishes a round lifecycle event on the run's subject. */
  roundEvent(e: RoundLifecycleEvent): void {
    this.publish(() => this.transport.publish(roundEventSubject(e.runId), encodeRoundEvent(e)));
  }

  /** Events are best effort: a payload that fails validation is logged, never thrown into an RPC handler. */
  private publish(send: () => void): void {
    try {
      send();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'event not published');
    }
  }

  private consume(subject: string, handle: (m: TransportMessage) => void): void {
    const sub = this.transport.subscribe(subject);
    this.subscriptions.push(sub);
    this.loops.push(
      (async () => {
        for await (const m of sub) {
          try {
            handle(m);
          } catch (err) {
            if (err instanceof SenderMismatchError) {
              this.mismatched++;
              this.logger.debug(
                { subjectClientId: err.subjectClientId === undefined ? undefined : loggable(err.subjectClientId), payloadClientId: loggable(err.payloadClientId) },
                'event dropped: its clientId is not the client its subject names',
              );
              continue;
            }
            this.invalid++;
            this.logger.debug({ subject: loggable(m.subject), err: loggable((err as Error).message, 200) }, 'invalid event payload dropped');
          }
        }
      })(),
    );
  }
}

/** A client may only speak for itself: the subject (which NATS permissions tie to the sender) names who is talking. */
function assertSender(subject: string, payloadClientId: string): void {
  const fromSubject = clientIdFromSubject(subject);
  if (payloadClientId !== fromSubject) throw new SenderMismatchError(fromSubject, payloadClientId);
}
