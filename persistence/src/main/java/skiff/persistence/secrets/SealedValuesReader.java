package skiff.persistence.secrets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
  @SuppressWarnings("unchecked")
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
    if (p.nextToken() != JsonToken.START_ARRAY) {
      return (Map<String, String>) ctxt.handleUnexpectedToken(Map.class, p);
    }
    List<String> names = new ArrayList<>();
    for (String name = p.nextTextValue(); name != null; name = p.nextTextValue()) {
      names.add(name);
    }
    JsonToken sealed = p.nextToken();
    if (sealed == JsonToken.VALUE_NULL || names.isEmpty()) {
      names.forEach(n -> values.put(n, Disclosure.SHREDDED));
    } else {
      Keyring keyring = (Keyring) ctxt.getAttribute(Disclosure.KEYRING);
      if (keyring == null) {
        throw ctxt.instantiationException(Map.class, "sealed config values of app " + appId
            + " can only be read with the platform's keyring");
      }
      Keyring.AppKey key = keyring.existingKey(appId);
      if (key.shredded()) {
        names.forEach(n -> values.put(n, Disclosure.SHREDDED));
      } else {
        List<String> opened = key.open(names, p.getBinaryValue());
        for (int i = 0; i < names.size(); i++) {
          values.put(names.get(i), opened.get(i));
        }
      }
    }
    if (p.nextToken() != JsonToken.END_ARRAY) {
      return (Map<String, String>) ctxt.handleUnexpectedToken(Map.class, p);
    }
    return values;
  }
}
