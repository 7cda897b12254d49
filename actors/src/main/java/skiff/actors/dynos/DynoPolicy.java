package skiff.actors.dynos;

import java.time.Duration;

/** The node's dyno settings: crash cooldown, boot timeout, SIGTERM grace, cycling and memory quota. */
public record DynoPolicy(Duration crashCooldown, Duration bootTimeout, Duration sigtermGrace, Duration cycleInterval,
    Duration cycleJitter, long memoryQuotaBytes) {

  /** Heroku logs R14 at most this often while a dyno stays over its quota. */
  public static final Duration R14_EVERY = Duration.ofSeconds(20);
}
