package skiff.platform.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Command-line arguments in Heroku's style: {@code -a APP}, {@code --app APP}, {@code --app=APP},
 * boolean switches such as {@code --json}, positionals, and everything after {@code --} kept as is.
 */
final class Args {
  private static final Set<String> TAKES_VALUE = Set.of(
      "a", "app", "r", "remote", "confirm", "n", "num", "token", "machine", "d", "dyno", "s", "source", "p", "ps", "e", "env",
      "size", "since", "until", "type", "actor", "at", "from", "to", "process-type", "dyno-name");

  /** An argument list that cannot be understood, e.g. a flag without its value. */
  static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message);
    }
  }

  private final Map<String, String> flags;
  private final List<String> positionals;
  private final List<String> afterDashes;

  private Args(Map<String, String> flags, List<String> positionals, List<String> afterDashes) {
    this.flags = flags;
    this.positionals = positionals;
    this.afterDashes = afterDashes;
  }

  static Args parse(String[] argv) {
    Map<String, String> flags = new HashMap<>();
    List<String> positionals = new ArrayList<>();
    List<String> afterDashes = new ArrayList<>();
    for (int i = 0; i < argv.length; i++) {
      String arg = argv[i];
      if (arg.equals("--")) {
        afterDashes.addAll(List.of(argv).subList(i + 1, argv.length));
        break;
      }
      if (arg.startsWith("-") && arg.length() > 1 && !arg.matches("-\\d+")) {
        String name = arg.replaceFirst("^--?", "");
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        } else if (TAKES_VALUE.contains(name)) {
          if (i + 1 >= argv.length) {
            throw new Invalid("Flag " + arg + " needs a value, e.g. " + arg + " VALUE.");
          }
          value = argv[++i];
        }
        flags.put(name, value == null ? "" : value);
      } else {
        positionals.add(arg);
      }
    }
    return new Args(flags, positionals, afterDashes);
  }

  boolean has(String name) {
    return flags.containsKey(name);
  }

  /** The value of a flag given by its short or long name. */
  Optional<String> value(String shortName, String longName) {
    if (shortName != null && flags.containsKey(shortName)) {
      return Optional.of(flags.get(shortName));
    }
    return Optional.ofNullable(flags.get(longName));
  }

  Optional<String> positional(int index) {
    return index < positionals.size() ? Optional.of(positionals.get(index)) : Optional.empty();
  }

  List<String> positionals() {
    return positionals;
  }

  List<String> afterDashes() {
    return afterDashes;
  }
}
