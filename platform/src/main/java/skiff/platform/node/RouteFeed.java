package skiff.platform.node;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import skiff.actors.dynos.DynoWatcher;
import skiff.persistence.CborSerializable;

/**
 * Where each dyno serves, from the dyno entities (wherever in the cluster they run) to every node's
 * router, over one pub-sub topic. A router takes the port of a process on its own node; of a process
 * on another node it takes the state (an idle dyno is woken by a request to any node) but no port,
 * as it cannot reach into that node's dyno network yet.
 */
final class RouteFeed implements DynoWatcher {
  /** One dyno's routing as its entity decided it. */
  record RouteChanged(String appId, String dynoName, String state, int port, String node)
      implements CborSerializable {}

  private final ActorRef<Topic.Command<RouteChanged>> topic;
  private final String self;

  private RouteFeed(ActorRef<Topic.Command<RouteChanged>> topic, String self) {
    this.topic = topic;
    this.self = self;
  }

  static RouteFeed start(ActorSystem<?> system, String self, DynoWatcher router) {
    ActorRef<Topic.Command<RouteChanged>> topic = system.systemActorOf(Topic.create(RouteChanged.class,
        "dyno-routes"), "dyno-routes-topic", Props.empty());
    ActorRef<RouteChanged> subscriber = system.systemActorOf(Behaviors.receiveMessage(change -> {
      router.changed(change.appId(), change.dynoName(), change.state(),
          self.equals(change.node()) ? change.port() : 0);
      return Behaviors.same();
    }), "dyno-routes-subscriber", Props.empty());
    topic.tell(Topic.subscribe(subscriber));
    return new RouteFeed(topic, self);
  }

  @Override
  public void changed(String appId, String dynoName, String state, int port) {
    changed(appId, dynoName, state, port, self);
  }

  @Override
  public void changed(String appId, String dynoName, String state, int port, String node) {
    topic.tell(Topic.publish(new RouteChanged(appId, dynoName, state, port, node)));
  }
}
