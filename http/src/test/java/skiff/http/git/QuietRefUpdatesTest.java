package skiff.http.git;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuietRefUpdatesTest {
  /** One pkt-line: four hex digits of length (these included), the band, the payload. */
  private static String packet(int band, String payload) {
    return String.format("%04x", 5 + payload.getBytes(StandardCharsets.UTF_8).length) + (char) band + payload;
  }

  @Test
  void refUpdateProgressIsDroppedAndEverythingElsePassesEvenWhenWrittenInPieces() throws Exception {
    String report = packet(1, "000eunpack ok\n0019ok refs/heads/main\n0000");
    String build = packet(2, "-----> Launching...\n");
    String progress = packet(2, "Updating references:  100% (1/1)\r");
    String done = packet(2, "Updating references:  100% (1/1), done.\n");
    String mixed = packet(2, "Updating references: 1\rand a message\n");
    String all = build + progress + report + done + mixed + "0000";
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (QuietRefUpdates quiet = new QuietRefUpdates(sink)) {
      byte[] bytes = all.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < bytes.length; i += 7) {
        quiet.write(bytes, i, Math.min(7, bytes.length - i));
      }
    }
    assertEquals(build + report + mixed + "0000", sink.toString(StandardCharsets.UTF_8));
  }
}
