package skiff.platform.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and writes {@code ~/.netrc} entries, the way the heroku CLI keeps its token. */
public final class Netrc {
  private final Path file;

  public Netrc(Path file) {
    this.file = file;
  }

  public record Entry(String machine, String login, String password) {}

  public Optional<Entry> find(String machine) {
    return entries().stream().filter(e -> e.machine().equals(machine)).findFirst();
  }

  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    List<String> tokens;
    try {
      tokens = List.of(Files.readString(file).trim().split("\\s+"));
    } catch (IOException e) {
      return out;
    }
    String machine = null, login = null, password = null;
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      String next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
      switch (t) {
        case "machine" -> {
          if (machine != null) {
            out.add(new Entry(machine, login, password));
          }
          machine = next; login = null; password = null; i++;
        }
        case "login" -> { login = next; i++; }
        case "password" -> { password = next; i++; }
        default -> { }
      }
    }
    if (machine != null) {
      out.add(new Entry(machine, login, password));
    }
    return out;
  }

  /** Replaces (or adds) the entry for the machine, keeping every other entry, and makes the file private. */
  public void put(Entry entry) throws IOException {
    List<Entry> kept = new ArrayList<>(entries().stream().filter(e -> !e.machine().equals(entry.machine())).toList());
    kept.add(entry);
    write(kept);
  }

  /** Drops the entry for the machine; returns whether there was one. */
  public boolean remove(String machine) throws IOException {
    List<Entry> all = entries();
    List<Entry> kept = all.stream().filter(e -> !e.machine().equals(machine)).toList();
    if (kept.size() == all.size()) {
      return false;
    }
    write(kept);
    return true;
  }

  private void write(List<Entry> kept) throws IOException {
    StringBuilder text = new StringBuilder();
    for (Entry e : kept) {
      text.append("machine ").append(e.machine()).append('\n');
      if (e.login() != null) {
        text.append("  login ").append(e.login()).append('\n');
      }
      if (e.password() != null) {
        text.append("  password ").append(e.password()).append('\n');
      }
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".skiff-tmp");
    Files.writeString(tmp, text);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // non-POSIX file system
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
