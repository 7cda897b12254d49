package skiff.actors.apps;

import java.util.Objects;

/**
 * Stack names. The one stack is "host", the Skiff machine's own userland; apps created before it
 * had that name were on "cedar" (which the official CLI shows as "cedar-10", its name for Heroku's
 * 2011 stack), so that name is read as this one wherever a stack is shown or compared.
 */
public final class Stacks {
  public static final String HOST = "host";
  public static final String LEGACY_HOST = "cedar";

  private Stacks() {}

  /** The stack a stored or given name means; null stays null. */
  public static String canonical(String name) {
    return LEGACY_HOST.equals(name) ? HOST : name;
  }

  public static boolean same(String a, String b) {
    return Objects.equals(canonical(a), canonical(b));
  }
}
