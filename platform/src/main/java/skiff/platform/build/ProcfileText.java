package skiff.platform.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A Procfile's text, refused with a clear reason when it is not UTF-8 text (a binary committed by mistake). */
final class ProcfileText {
  private ProcfileText() {}

  static String read(Path procfile) throws IOException, Procfile.Invalid {
    byte[] bytes = Files.readAllBytes(procfile);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        throw new Procfile.Invalid("The Procfile is not text (it has a NUL byte at offset " + i + "). It must be"
            + " UTF-8 lines such as 'web: ./server'.");
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new Procfile.Invalid("The Procfile is not UTF-8 text. Save it as UTF-8 lines such as 'web: ./server'.");
    }
  }
}
