package skiff.persistence.secrets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@link SecretValues}: a sealed array from the journal (opened with the app's data key, or
 * {@link Disclosure#SHREDDED} for each value once that key is deleted), or a plain map (journals
 * written before values were sealed, and exports).
 */
public final class SealedValuesReader extends StdDeserializer<Map<String, String>> {

  public SealedValuesReader() {
    super(Map.class);
  }

  @Override
  public Map<String, String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    if (p.currentToken() == JsonToken.START_OBJECT) {
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        p.nextToken();
        values.put(name, p.getValueAsString());
      }
      return values;
    }
    if (p.currentToken() != JsonToken.START_ARRAY) {
      return (Map<String, String>) ctxt.handleUnexpectedToken(Map.class, p);
    }
    String format = p.nextTextValue();
    if (!SealedValuesWriter.FORMAT.equals(format)) {
      throw ctxt.weirdStringException(format, Map.class, "config values sealed in an unknown format");
    }
    String appId = p.nextTextValue();
    Keyring keyring = (Keyring) ctxt.getAttribute(Disclosure.KEYRING);
    if (keyring == null) {
      throw ctxt.instantiationException(Map.class, "sealed config values of app " + appId
          + " can only be read with the platform's keyring");
    }
    Keyring.AppKey key = keyring.existingKey(appId);
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return (Map<String, String>) ctxt.handleUnexpectedToken(Map.class, p);
    }
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken token = p.nextToken();
      if (token == JsonToken.VALUE_NULL || key.shredded()) {
        values.put(name, Disclosure.SHREDDED);
      } else {
        values.put(name, key.open(name, p.getBinaryValue()));
      }
    }
    if (p.nextToken() != JsonToken.END_ARRAY) {
      return (Map<String, String>) ctxt.handleUnexpectedToken(Map.class, p);
    }
    return values;
  }
}
