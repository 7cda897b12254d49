package skiff.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import skiff.platform.cli.Netrc;

class NetrcTest {
  @Test
  void replacesOnlyTheEntryForTheMachine() throws Exception {
    Path file = Files.createTempDirectory("netrc").resolve(".netrc");
    Files.writeString(file, "machine api.heroku.com\n  login me@x\n  password heroku-token\n");
    Netrc netrc = new Netrc(file);
    netrc.put(new Netrc.Entry("127.0.0.1:5000", "admin@skiff.local", "t1"));
    netrc.put(new Netrc.Entry("127.0.0.1:5000", "admin@skiff.local", "t2"));
    assertEquals("t2", netrc.find("127.0.0.1:5000").orElseThrow().password());
    assertEquals("heroku-token", netrc.find("api.heroku.com").orElseThrow().password());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(netrc.remove("127.0.0.1:5000"));
    assertTrue(netrc.find("127.0.0.1:5000").isEmpty());
    assertEquals("heroku-token", netrc.find("api.heroku.com").orElseThrow().password());
  }
}
