package skiff.actors.accounts;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** An account's id: derived from its email, so every node and every API answer agree on it. */
public final class AccountIds {
  private AccountIds() {}

  public static String of(String email) {
    return UUID.nameUUIDFromBytes(("account\u0000" + email).getBytes(StandardCharsets.UTF_8)).toString();
  }
}
