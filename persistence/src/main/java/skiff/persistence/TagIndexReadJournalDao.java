package skiff.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.PersistentRepr$;
import org.apache.pekko.persistence.jdbc.config.ReadJournalConfig;
import org.apache.pekko.persistence.jdbc.query.dao.DefaultReadJournalDao;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.scaladsl.Source;
import scala.Tuple3;
import scala.collection.immutable.Set;
import scala.concurrent.ExecutionContext;
import scala.jdk.javaapi.FutureConverters;
import scala.util.Failure;
import scala.util.Success;
import scala.util.Try;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;
import slick.jdbc.SimpleJdbcAction;

/**
 * The read journal's events-by-tag query, written so that it walks the tag index from the offset
 * and stops at the batch size. The plugin's own query wraps the journal in a derived table that H2
 * cannot see through: H2 then visits every event of the tag for every batch, so reading an app's
 * history cost time in the square of its length and each follower's poll scanned it all again.
 * Everything else is the plugin's.
 */
public class TagIndexReadJournalDao extends DefaultReadJournalDao {
  private static final String BY_TAG = "SELECT j.\"ordering\", j.\"persistence_id\", j.\"sequence_number\","
      + " j.\"writer\", j.\"write_timestamp\", j.\"adapter_manifest\", j.\"event_payload\", j.\"event_ser_id\","
      + " j.\"event_ser_manifest\" FROM \"event_tag\" t JOIN \"event_journal\" j ON j.\"ordering\" = t.\"event_id\""
      + " WHERE t.\"tag\" = ? AND t.\"event_id\" > ? AND t.\"event_id\" <= ? AND j.\"deleted\" = FALSE"
      // ordered by both index columns: H2 then reads the index in order and stops at the limit
      + " ORDER BY t.\"tag\", t.\"event_id\" LIMIT ?";

  private final Serialization serialization;

  public TagIndexReadJournalDao(JdbcBackend.JdbcDatabaseDef db, JdbcProfile profile, ReadJournalConfig config,
      Serialization serialization, ExecutionContext ec, Materializer mat) {
    super(db, profile, config, serialization, ec, mat);
    this.serialization = serialization;
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Source<Try<Tuple3<PersistentRepr, Set<String>, Object>>, NotUsed> eventsByTag(String tag, long offset,
      long maxOffset, long max) {
    SimpleJdbcAction<List<Try<Tuple3<PersistentRepr, Set<String>, Object>>>> read =
        SimpleJdbcAction.apply(context -> query(context.connection(), tag, offset, maxOffset, max));
    var rows = FutureConverters.asJava(db().run((slick.dbio.DBIOAction) read));
    return org.apache.pekko.stream.javadsl.Source.completionStage(rows)
        .mapConcat(list -> (List<Try<Tuple3<PersistentRepr, Set<String>, Object>>>) list)
        .asScala();
  }

  private List<Try<Tuple3<PersistentRepr, Set<String>, Object>>> query(Connection connection, String tag, long offset,
      long maxOffset, long max) {
    List<Try<Tuple3<PersistentRepr, Set<String>, Object>>> out = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(BY_TAG)) {
      statement.setString(1, tag);
      statement.setLong(2, offset);
      statement.setLong(3, maxOffset);
      statement.setLong(4, Math.min(max, Integer.MAX_VALUE));
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          out.add(event(rows));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reading events tagged " + tag + " failed: " + e.getMessage(), e);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Try<Tuple3<PersistentRepr, Set<String>, Object>> event(ResultSet row) throws SQLException {
    long ordering = row.getLong(1);
    Try<Object> payload = serialization.deserialize(row.getBytes(7), row.getInt(8), row.getString(9));
    if (payload.isFailure()) {
      return new Failure<>(((Failure<Object>) payload).exception());
    }
    PersistentRepr repr = PersistentRepr$.MODULE$.apply(payload.get(), row.getLong(3), row.getString(2),
        row.getString(6), false, ActorRef.noSender(), row.getString(4)).withTimestamp(row.getLong(5));
    return new Success<>(new Tuple3<>(repr, (Set<String>) (Set<?>) scala.collection.immutable.Set$.MODULE$.empty(),
        ordering));
  }
}
