package skiff.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import skiff.persistence.secrets.Disclosure;
import skiff.persistence.secrets.Keyring;

/**
 * Serializes the domain's records as CBOR (through Pekko's Jackson object mapper, so actor refs and
 * the usual modules work). A journaled type's manifest is its stable {@link JournalName}, with
 * {@code #version} once it has been migrated, so classes may be renamed and moved; messages that
 * never enter the journal (commands, replies) keep their class name. Config values are sealed with
 * the owning app's key ({@link Keyring}) on the way out and opened on the way in.
 */
public final class JournalSerializer extends SerializerWithStringManifest {
  /** Unique among the system's serializers; Pekko reserves 0 to 40. */
  public static final int IDENTIFIER = 7420;
  private static final String CLASS_PREFIX = "class:";

  private final ExtendedActorSystem system;
  private final JournalTypes types;
  private final ObjectMapper mapper;
  private final ConcurrentHashMap<String, Class<?>> classes = new ConcurrentHashMap<>();
  private volatile Keyring keyring;
  private volatile ObjectWriter writer;
  private volatile ObjectReader reader;

  public JournalSerializer(ExtendedActorSystem system) {
    this.system = system;
    this.types = JournalTypes.fromConfig(system.settings().config());
    this.mapper = JacksonObjectMapperProvider.get(system).getOrCreate("skiff-journal", Optional.of(new CBORFactory()));
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return types.byClass(o.getClass())
        .map(e -> e.version() == 1 ? e.name() : e.name() + "#" + e.version())
        .orElseGet(() -> CLASS_PREFIX + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    try {
      return writer().writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("could not serialize " + o.getClass().getName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      if (manifest.startsWith(CLASS_PREFIX)) {
        return reader().readValue(bytes, wireClass(manifest.substring(CLASS_PREFIX.length())));
      }
      int hash = manifest.indexOf('#');
      String name = hash < 0 ? manifest : manifest.substring(0, hash);
      int version = hash < 0 ? 1 : Integer.parseInt(manifest.substring(hash + 1));
      JournalTypes.Entry entry = types.byName(name).orElseThrow(() -> new NotSerializableException(
          "the journal holds a '" + name + "', a type this version of Skiff does not know"));
      if (version == entry.version()) {
        return reader().readValue(bytes, entry.type());
      }
      JsonNode current;
      try {
        current = entry.upgrade(version, reader().readTree(bytes));
      } catch (IllegalStateException newer) {
        throw new NotSerializableException(newer.getMessage());
      }
      return reader().treeToValue(current, entry.type());
    } catch (IOException | NumberFormatException e) {
      NotSerializableException problem = new NotSerializableException("cannot read a '" + manifest + "': " + e.getMessage());
      problem.initCause(e);
      throw problem;
    }
  }

  private Class<?> wireClass(String name) throws NotSerializableException {
    Class<?> known = classes.get(name);
    if (known != null) {
      return known;
    }
    try {
      Class<?> loaded = Class.forName(name, false, system.dynamicAccess().classLoader());
      if (!CborSerializable.class.isAssignableFrom(loaded)) {
        throw new NotSerializableException(name + " is not a Skiff message");
      }
      classes.put(name, loaded);
      return loaded;
    } catch (ClassNotFoundException e) {
      throw new NotSerializableException("unknown message class " + name);
    }
  }

  // the keyring is an extension that may read the database: made on first use, not while the
  // actor system is still being built
  private Keyring keyring() {
    Keyring k = keyring;
    if (k == null) {
      k = Keyring.get(Adapter.toTyped(system));
      keyring = k;
    }
    return k;
  }

  private ObjectWriter writer() {
    ObjectWriter w = writer;
    if (w == null) {
      w = mapper.writer().withAttribute(Disclosure.ATTRIBUTE, Disclosure.SEAL).withAttribute(Disclosure.KEYRING, keyring());
      writer = w;
    }
    return w;
  }

  private ObjectReader reader() {
    ObjectReader r = reader;
    if (r == null) {
      r = mapper.reader().withAttribute(Disclosure.KEYRING, keyring());
      reader = r;
    }
    return r;
  }
}
