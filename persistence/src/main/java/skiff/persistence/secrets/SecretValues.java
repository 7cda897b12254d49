package skiff.persistence.secrets;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code Map<String, String>} of config var values. The journal seals each value with the
 * owning app's data key ({@link Keyring}); any other writer shows them as {@code [redacted]} unless
 * it asks to reveal them ({@link Disclosure}). The record holding the map says which app owns it
 * ({@link HoldsSecrets}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT,
    ElementType.ANNOTATION_TYPE})
@JacksonAnnotationsInside
@JsonSerialize(using = SealedValuesWriter.class)
@JsonDeserialize(using = SealedValuesReader.class)
public @interface SecretValues {}
