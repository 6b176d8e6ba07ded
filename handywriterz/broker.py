"""kombu's Redis transport with one defect worked around: a Redis restart must not end a worker.

celery 5.7 / kombu 5.7, on losing the broker, first `collect()`s the consumer's connection (which
detaches the transport from its kombu Connection: `transport.client = None`) and then `close()`s
it. When a channel survived the collect with messages still unacknowledged, its close tries to
put them back and builds a Redis client from `transport.client`, which is now None: an
AttributeError that kombu does not count as a connection error, so the worker logs "Unrecoverable
error" and exits (seen in bench/chaos.py: one run in three lost a worker at the Redis restart).

Here a detached channel says so with redis' own ConnectionError instead, which kombu and Celery
already handle as "the broker went away": the close goes on, the worker reconnects, and the
unacknowledged messages come back through the visibility timeout (and the lease reaper recovers
any step sooner). Selected by handywriterz/celery.py in worker processes, for redis:// and
rediss:// brokers only: the web, beat and Flower hold no unacknowledged messages, and Flower reads
the broker's kind from the connection's URL, which a transport given by path would rename.
"""
from __future__ import annotations

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed after Redis went away; not reconnecting it")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


TRANSPORT_PATH = "handywriterz.broker:Transport"


def transport_for(broker_url: str) -> str | None:
    """This transport for a Redis broker URL; None (the URL's own) for any other broker."""
    scheme = broker_url.split("://", 1)[0].lower() if "://" in broker_url else ""
    return TRANSPORT_PATH if scheme in {"redis", "rediss"} else None
