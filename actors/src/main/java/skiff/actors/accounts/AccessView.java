package skiff.actors.accounts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is who, on this node: every account with its token hashes and every team with its members,
 * as the journal says. Requests authenticate against it without asking an entity (the data plane
 * reads, the entities decide). It is fed twice, idempotently: by the entities of this node right
 * after each persist (so a revocation holds from the next request) and by a follower of the
 * journal (so changes made through other nodes arrive too); each entity's sequence number says
 * which is newer.
 */
public final class AccessView {
  private record Versioned<S>(long seqNr, S state) {}

  /** An authenticated caller: the account and the authorization its token belongs to. */
  public record Grant(AccountEntity.LiveAccount account, Authorization authorization) {}

  private final ConcurrentHashMap<String, Versioned<AccountEntity.State>> accounts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> emailByTokenHash = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Versioned<TeamEntity.State>> teams = new ConcurrentHashMap<>();

  /** An account's state after its event number {@code seqNr}. */
  public void account(String email, long seqNr, AccountEntity.State state) {
    synchronized (accounts) {
      Versioned<AccountEntity.State> current = accounts.get(email);
      if (current != null && current.seqNr() >= seqNr) {
        return;
      }
      if (current != null && current.state() instanceof AccountEntity.LiveAccount before) {
        before.tokens().forEach(t -> emailByTokenHash.remove(t.tokenHash()));
      }
      accounts.put(email, new Versioned<>(seqNr, state));
      if (state instanceof AccountEntity.LiveAccount after) {
        after.tokens().forEach(t -> emailByTokenHash.put(t.tokenHash(), email));
      }
    }
  }

  /** An account's event number {@code seqNr}, read from the journal: applied if it is the next one. */
  public void accountEvent(String email, long seqNr, AccountEntity.Event event) {
    synchronized (accounts) {
      Versioned<AccountEntity.State> current = accounts.get(email);
      long have = current == null ? 0 : current.seqNr();
      if (seqNr == have + 1) {
        account(email, seqNr, AccountEntity.apply(current == null ? new AccountEntity.NoAccount() : current.state(), event));
      }
    }
  }

  public void team(String name, long seqNr, TeamEntity.State state) {
    teams.compute(name, (k, current) -> current != null && current.seqNr() >= seqNr ? current
        : new Versioned<>(seqNr, state));
  }

  public void teamEvent(String name, long seqNr, TeamEntity.Event event) {
    teams.compute(name, (k, current) -> {
      long have = current == null ? 0 : current.seqNr();
      if (seqNr != have + 1) {
        return current;
      }
      return new Versioned<>(seqNr, TeamEntity.apply(current == null ? new TeamEntity.NoTeam() : current.state(), event));
    });
  }

  /** The account and authorization a token stands for, unless it is unknown, revoked or expired. */
  public Optional<Grant> byToken(String token, Instant now) {
    String hash = Tokens.hash(token);
    String email = emailByTokenHash.get(hash);
    if (email == null) {
      return Optional.empty();
    }
    return account(email).flatMap(a -> a.tokens().stream()
        .filter(t -> t.tokenHash().equals(hash) && !t.expiredAt(now)).findFirst()
        .map(t -> new Grant(a, t)));
  }

  public Optional<AccountEntity.LiveAccount> account(String email) {
    Versioned<AccountEntity.State> v = accounts.get(AccountEntity.entityId(email));
    return v != null && v.state() instanceof AccountEntity.LiveAccount live ? Optional.of(live) : Optional.empty();
  }

  public List<AccountEntity.LiveAccount> accounts() {
    List<AccountEntity.LiveAccount> out = new ArrayList<>();
    accounts.values().forEach(v -> {
      if (v.state() instanceof AccountEntity.LiveAccount live) {
        out.add(live);
      }
    });
    out.sort(java.util.Comparator.comparing(AccountEntity.LiveAccount::email));
    return out;
  }

  public Optional<TeamEntity.LiveTeam> team(String name) {
    Versioned<TeamEntity.State> v = teams.get(name);
    return v != null && v.state() instanceof TeamEntity.LiveTeam live ? Optional.of(live) : Optional.empty();
  }

  /** The teams an account is a member of, by name. */
  public List<TeamEntity.LiveTeam> teamsOf(String email) {
    List<TeamEntity.LiveTeam> out = new ArrayList<>();
    teams.values().forEach(v -> {
      if (v.state() instanceof TeamEntity.LiveTeam t && t.role(email) != null) {
        out.add(t);
      }
    });
    out.sort(java.util.Comparator.comparing(TeamEntity.LiveTeam::name));
    return out;
  }
}
