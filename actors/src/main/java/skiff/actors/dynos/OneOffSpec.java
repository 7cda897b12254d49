package skiff.actors.dynos;

import java.util.Map;
import skiff.persistence.CborSerializable;

/**
 * What a one-off dyno runs: {@code command} from the app's release {@code releaseVersion} (its slug
 * and stack), with {@code env} (the release's config vars and the caller's additions); attached
 * to the caller's terminal through the running node's rendezvous listener, or detached with its
 * output in the app's log; {@code by} is who asked. Sent to the node that runs it, never journaled (the env holds secrets).
 */
public record OneOffSpec(String appId, String appName, String name, String slugChecksum, String stack,
    String command, Map<String, String> env, int releaseVersion, boolean attach, boolean tty, String by)
    implements CborSerializable {}
