/** The event transport contract, run against the embedded transport and the NATS transport on a real nats-server. */
import { connect } from '@nats-io/transport-node';
import { EmbeddedBroker, EmbeddedTransport } from '../../common/events/embedded-transport';
import { NatsTransport } from '../../common/events/nats-transport';
import { startNatsServer } from '../helpers/nats-server';
import { eventTransportContract } from './event-transport-suite';

eventTransportContract('embedded', async () => {
  const broker = new EmbeddedBroker();
  return {
    create: (options) => new EmbeddedTransport({ broker, ...options }),
    publishRaw: async (subject, data) => broker.publishRaw(subject, data),
    close: async () => {},
  };
});

eventTransportContract('nats', async () => {
  const server = await startNatsServer();
  return {
    create: (options) => new NatsTransport({ servers: server.url, name: 'contract-test', ...options }),
    async publishRaw(subject, data) {
      // A plain client, as a foreign (or buggy) publisher would be.
      const nc = await connect({ servers: server.url });
      nc.publish(subject, data);
      await nc.flush();
      await nc.close();
    },
    close: () => server.stop(),
  };
});
