package skiff.persistence;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import skiff.persistence.secrets.SecretValues;

/**
 * The shape of every journaled type as one line of text: its stable name, version and fields with
 * their types, journaled records referred to by name. A committed list of these lines is the
 * journal's contract: a build whose shapes differ for the same name and version changed an event
 * without a migration.
 */
public final class JournalShapes {
  private JournalShapes() {}

  /** {@code name vN (field: Type, ...)} for every type, sorted by name. */
  public static List<String> describe(JournalTypes types) {
    List<String> lines = new ArrayList<>();
    for (JournalTypes.Entry entry : types.entries()) {
      lines.add(entry.name() + " v" + entry.version() + " " + fields(entry.type(), types, new LinkedHashSet<>()));
    }
    return lines;
  }

  private static String fields(Class<?> type, JournalTypes types, Set<Class<?>> seen) {
    if (!type.isRecord()) {
      return "<not a record>";
    }
    if (!seen.add(type)) {
      return "<recursive " + type.getSimpleName() + ">";
    }
    List<String> parts = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      parts.add(c.getName() + ": " + typeName(c.getGenericType(), types, seen)
          + (c.isAnnotationPresent(SecretValues.class) ? " sealed" : ""));
    }
    seen.remove(type);
    return "(" + String.join(", ", parts) + ")";
  }

  private static String typeName(Type type, JournalTypes types, Set<Class<?>> seen) {
    if (type instanceof ParameterizedType p) {
      return typeName(p.getRawType(), types, seen) + "<" + java.util.Arrays.stream(p.getActualTypeArguments())
          .map(t -> typeName(t, types, seen)).collect(Collectors.joining(", ")) + ">";
    }
    if (type instanceof GenericArrayType a) {
      return typeName(a.getGenericComponentType(), types, seen) + "[]";
    }
    if (type instanceof WildcardType) {
      return "?";
    }
    Class<?> c = (Class<?>) type;
    var entry = types.byClass(c);
    if (entry.isPresent()) {
      return "@" + entry.get().name();
    }
    if (c.isSealed()) {
      // a field holding one of several journaled records: their names are its shape
      return "one of {" + java.util.Arrays.stream(c.getPermittedSubclasses())
          .map(s -> types.byClass(s).map(e -> "@" + e.name()).orElse(s.getSimpleName()))
          .sorted().collect(Collectors.joining(", ")) + "}";
    }
    if (c.isRecord()) {
      return fields(c, types, seen);
    }
    if (c.isEnum()) {
      return c.getSimpleName() + java.util.Arrays.toString(c.getEnumConstants());
    }
    return c.getSimpleName();
  }
}
