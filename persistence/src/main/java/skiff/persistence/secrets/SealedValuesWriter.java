package skiff.persistence.secrets;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes {@link SecretValues}: sealed as {@code ["sealed-v1", appId, [names], ciphertext]} for the
 * journal (an array, so it can never be mistaken for a plain map of vars; the names stay readable,
 * as the journal's story needs them; the values are one ciphertext, or null once the app's key is
 * gone), the plain map when revealed, or the names with {@code [redacted]} values.
 */
public final class SealedValuesWriter extends StdSerializer<Map<String, String>> {
  static final String FORMAT = "sealed-v1";

  @SuppressWarnings("unchecked")
  public SealedValuesWriter() {
    super((Class<Map<String, String>>) (Class<?>) Map.class);
  }

  @Override
  public void serialize(Map<String, String> values, JsonGenerator gen, SerializerProvider provider) throws IOException {
    Object disclosure = provider.getAttribute(Disclosure.ATTRIBUTE);
    if (disclosure == Disclosure.SEAL) {
      seal(values, gen, provider);
      return;
    }
    gen.writeStartObject(values);
    for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
      gen.writeStringField(e.getKey(), disclosure == Disclosure.REVEAL || Disclosure.SHREDDED.equals(e.getValue())
          ? e.getValue() : Disclosure.REDACTED);
    }
    gen.writeEndObject();
  }

  private static void seal(Map<String, String> values, JsonGenerator gen, SerializerProvider provider) throws IOException {
    Keyring keyring = (Keyring) provider.getAttribute(Disclosure.KEYRING);
    Object holder = gen.currentValue();
    if (keyring == null || !(holder instanceof HoldsSecrets owner) || owner.secretsOwner() == null) {
      throw new IllegalStateException("config values in " + (holder == null ? "an unknown record"
          : holder.getClass().getName()) + " cannot be sealed: it names no owning app, or there is no keyring");
    }
    String appId = owner.secretsOwner();
    List<String> names = new ArrayList<>(new TreeMap<>(values).keySet());
    List<String> plain = names.stream().map(values::get).toList();
    gen.writeStartArray();
    gen.writeString(FORMAT);
    gen.writeString(appId);
    gen.writeStartArray();
    for (String name : names) {
      gen.writeString(name);
    }
    gen.writeEndArray();
    Keyring.AppKey key = names.isEmpty() ? null : keyring.keyFor(appId);
    if (key == null || key.shredded()) {
      gen.writeNull(); // no values, or the app's key is gone: nothing is written
    } else {
      gen.writeBinary(key.seal(names, plain));
    }
    gen.writeEndArray();
  }
}
