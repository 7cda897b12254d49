package skiff.bench;

import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.ReleaseRecord;

/**
 * What sealing config values costs on the journal's hot paths (replay and export read every event):
 * the same history as JournalBench (config changes of up to 20 vars, each with its release) written
 * and read by Skiff's journal serializer (stable names, values sealed with AES-GCM) and by Pekko's
 * plain jackson-cbor (class names, values in the clear, what Skiff wrote before), in one JVM,
 * alternating, so machine noise hits both alike.
 * {@code cd test && mvn -Pbench exec:java@sealing-bench [-Dbench.events=100000]}
 */
public final class SealingBench {
  public static void main(String[] args) throws Exception {
    int total = Integer.getInteger("bench.events", 100_000);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "sealing", ConfigFactory.load());
    try {
      Serialization serialization = SerializationExtension.get(system.classicSystem());
      Serializer skiff = serialization.serializerByIdentity().apply(7420);
      Serializer plain = serialization.serializerFor(AppEntity.ReleaseIssued.class).identifier() == 7420
          ? serialization.serializerByIdentity().apply(33) : null;
      List<Object> events = history(total);
      Encoded sealed = encode(skiff, events);
      Encoded clear = encode(plain, events);
      System.out.printf("== %d events; bytes: sealed %d, clear %d%n", total, sealed.bytes(), clear.bytes());
      long[] sealedRead = new long[7];
      long[] clearRead = new long[7];
      long[] sealedWrite = new long[7];
      long[] clearWrite = new long[7];
      for (int round = 0; round < 7; round++) {
        sealedRead[round] = read(serialization, skiff, sealed);
        clearRead[round] = read(serialization, plain, clear);
        sealedWrite[round] = encode(skiff, events).nanos();
        clearWrite[round] = encode(plain, events).nanos();
      }
      report("read (replay, export)", sealedRead, clearRead, total);
      report("write (persist)", sealedWrite, clearWrite, total);
    } finally {
      system.terminate();
    }
  }

  private record Encoded(List<byte[]> payloads, List<String> manifests, long bytes, long nanos) {}

  private static List<Object> history(int total) {
    String appId = UUID.randomUUID().toString();
    Map<String, String> config = new TreeMap<>();
    List<Object> out = new ArrayList<>();
    Instant at = Instant.now();
    for (int version = 2; out.size() < total; version++) {
      Cause cause = new Cause("bench@skiff.local", at, UUID.randomUUID().toString());
      String key = "KEY_" + (version % 20);
      config.put(key, "value-" + version + "-postgres://user:secret@db.internal:5432/app");
      out.add(new AppEntity.ConfigVarsChanged(appId, Map.of(key, config.get(key)), List.of(), cause));
      out.add(new AppEntity.ReleaseIssued(new ReleaseRecord(appId, ReleaseRecord.idFor(appId, version), version,
          "Set " + key + " config vars", null, config, Map.of(), ReleaseRecord.SUCCEEDED, cause), cause));
    }
    return out;
  }

  private static Encoded encode(Serializer serializer, List<Object> events) {
    List<byte[]> payloads = new ArrayList<>(events.size());
    List<String> manifests = new ArrayList<>(events.size());
    long bytes = 0;
    long start = System.nanoTime();
    for (Object e : events) {
      byte[] payload = serializer.toBinary(e);
      payloads.add(payload);
      manifests.add(Serializers.manifestFor(serializer, e));
      bytes += payload.length;
    }
    return new Encoded(payloads, manifests, bytes, System.nanoTime() - start);
  }

  private static long read(Serialization serialization, Serializer serializer, Encoded encoded) {
    long start = System.nanoTime();
    for (int i = 0; i < encoded.payloads().size(); i++) {
      serialization.deserialize(encoded.payloads().get(i), serializer.identifier(), encoded.manifests().get(i)).get();
    }
    return System.nanoTime() - start;
  }

  private static void report(String what, long[] sealed, long[] clear, int total) {
    // the first two rounds warm the JIT up
    long[] s = Arrays.copyOfRange(sealed, 2, sealed.length);
    long[] c = Arrays.copyOfRange(clear, 2, clear.length);
    Arrays.sort(s);
    Arrays.sort(c);
    double sealedMs = s[s.length / 2] / 1e6;
    double clearMs = c[c.length / 2] / 1e6;
    System.out.printf("%-22s sealed %7.1f ms (%.2f us/event, spread %.1f-%.1f)   clear %7.1f ms (%.2f us/event,"
            + " spread %.1f-%.1f)   cost %+.0f%%%n", what, sealedMs, sealedMs * 1000 / total, s[0] / 1e6,
        s[s.length - 1] / 1e6, clearMs, clearMs * 1000 / total, c[0] / 1e6, c[c.length - 1] / 1e6,
        (sealedMs / clearMs - 1) * 100);
  }
}
