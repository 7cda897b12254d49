package skiff.platform.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * One command's arguments in Heroku's style ({@code -a APP}, {@code --app APP}, {@code --app=APP},
 * switches such as {@code --json}, positionals, everything after {@code --} kept as is), parsed by
 * picocli against the options that command's usage line declares, plus the ones every command
 * takes ({@code -a/--app}, {@code -r/--remote}, {@code --json}, {@code -h/--help}). So a flag a
 * command does not know, or one without its value, is an error naming it instead of being ignored.
 */
final class Args {
  /** An option in a usage line: {@code -t|--tail}, {@code --since 1h}, {@code [-d|--dyno web.1]}. */
  private static final Pattern OPTION = Pattern.compile(
      "(?<![\\w-])(-[A-Za-z](?:\\|--[a-z][\\w-]*)?|--[a-z][\\w-]*)(?: ([A-Za-z0-9][^\\s\\]]*))?");
  private static final List<String> COMMON = List.of("-a|--app APP", "-r|--remote REMOTE", "--json", "-h|--help");

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

  /** The picocli model of a command: the options its usage line names, and the common ones. */
  static CommandSpec spec(String name, String usage) {
    CommandSpec spec = CommandSpec.create().name("skiff " + name);
    // no @file expansion; a one-off's command (`run -a APP ls -la`) ends option parsing at its first word
    spec.parser().unmatchedOptionsArePositionalParams(false).posixClusteredShortOptionsAllowed(false)
        .expandAtFiles(false).stopAtPositional(usage.contains("-- COMMAND"));
    List<String> declared = new ArrayList<>(COMMON);
    Matcher m = OPTION.matcher(usage);
    while (m.find()) {
      declared.add(m.group(1) + (m.group(2) == null ? "" : " " + m.group(2)));
    }
    List<String> seen = new ArrayList<>();
    for (String option : declared) {
      String[] parts = option.split(" ", 2);
      String[] names = parts[0].split("\\|");
      if (Arrays.stream(names).anyMatch(seen::contains)) {
        continue;
      }
      seen.addAll(List.of(names));
      OptionSpec.Builder builder = OptionSpec.builder(names);
      if (parts.length == 2) {
        builder.type(String.class).arity("1").paramLabel(parts[1]);
      } else {
        builder.type(boolean.class).arity("0");
      }
      spec.addOption(builder.build());
    }
    spec.addPositional(PositionalParamSpec.builder().type(String[].class).arity("0..*").paramLabel("ARGS").build());
    return spec;
  }

  /** Parses a command's arguments against its spec; everything after the first {@code --} is kept as it is. */
  static Args parse(CommandSpec spec, String[] argv) {
    int dashes = Arrays.asList(argv).indexOf("--");
    String[] before = dashes < 0 ? argv : Arrays.copyOfRange(argv, 0, dashes);
    List<String> after = dashes < 0 ? List.of() : List.of(argv).subList(dashes + 1, argv.length);
    ParseResult result;
    try {
      result = new CommandLine(spec).parseArgs(before);
    } catch (CommandLine.MissingParameterException e) {
      throw new Invalid(e.getMessage().replace("Missing required parameter for option", "Flag")
          + ". Usage: " + spec.name() + " ...; skiff help " + spec.name().substring(6) + " shows it.");
    } catch (CommandLine.UnmatchedArgumentException e) {
      throw new Invalid(e.getUnmatched().stream().filter(a -> a.startsWith("-")).findFirst()
          .map(a -> spec.name() + " has no option " + a + ".").orElse(e.getMessage())
          + " See skiff help " + spec.name().substring(6) + ".");
    } catch (CommandLine.ParameterException e) {
      throw new Invalid(e.getMessage());
    }
    Map<String, String> flags = new HashMap<>();
    for (OptionSpec option : result.matchedOptions()) {
      Object value = option.getValue();
      String text = value instanceof Boolean ? "" : String.valueOf(value);
      for (String name : option.names()) {
        flags.put(name.replaceFirst("^--?", ""), text);
      }
    }
    List<String> positionals = new ArrayList<>();
    result.matchedPositionals().forEach(p -> positionals.addAll(p.stringValues()));
    return new Args(flags, positionals, after);
  }

  /** Arguments for no command in particular (the bare {@code skiff}). */
  static Args none() {
    return new Args(Map.of(), List.of(), List.of());
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
