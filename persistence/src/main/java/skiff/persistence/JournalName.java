package skiff.persistence;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * The stable name a persisted record is journaled under, independent of its Java class and
 * package: {@code kind.what-happened} in lower case, e.g. {@code app.config-vars-changed}. A class
 * may be renamed or moved freely as long as it keeps its name; the name itself never changes.
 *
 * <p>A change of shape bumps the version through {@link #migration()}, a Pekko
 * {@link JacksonMigration} whose {@code currentVersion()} is the new version and whose
 * {@code transform} turns every older version's JSON into the current one.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface JournalName {
  String value();

  /** {@code JacksonMigration.class} itself means: version 1, no migration. */
  Class<? extends JacksonMigration> migration() default JacksonMigration.class;
}
