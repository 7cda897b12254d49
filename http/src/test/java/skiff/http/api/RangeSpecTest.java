package skiff.http.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RangeSpecTest {

  @Test
  void parsesEveryFormTheCliSends() {
    RangeSpec a = RangeSpec.parse("version ..; order=desc,max=1", "version");
    assertEquals(1, a.max());
    assertTrue(a.descending());
    RangeSpec b = RangeSpec.parse("version ..; max=15, order=desc", "version");
    assertEquals(15, b.max());
    assertTrue(b.descending());
    RangeSpec c = RangeSpec.parse("id ..; max=1000;", "id");
    assertEquals(1000, c.max());
    assertFalse(c.descending());
    RangeSpec d = RangeSpec.parse("]app-three..; max=1", "name");
    assertEquals("name", d.field());
    assertEquals("app-three", d.start());
    assertTrue(d.startExclusive());
    assertEquals(RangeSpec.LIMIT, RangeSpec.parse("name ..; max=99999", "name").max());
    assertEquals(RangeSpec.DEFAULT_MAX, RangeSpec.parse(null, "name").max());
  }

  @Test
  void refusesWhatItCannotRead() {
    ApiError e = assertThrows(ApiError.class, () -> RangeSpec.parse("no dots here", "version"));
    assertEquals(416, e.status());
    assertThrows(ApiError.class, () -> RangeSpec.parse("colour ..", "version"));
  }

  @Test
  void pagesThroughNumbersInBothOrdersWithNextRange() {
    List<Integer> versions = IntStream.rangeClosed(1, 12).boxed().toList();
    RangeSpec desc = RangeSpec.parse("version ..; max=5, order=desc", "version");
    var first = Paging.apply(versions, String::valueOf, desc);
    assertEquals(206, first.status());
    assertEquals(List.of(12, 11, 10, 9, 8), first.items());
    var second = Paging.apply(versions, String::valueOf, RangeSpec.parse(first.headers().get("Next-Range"), "version"));
    assertEquals(List.of(7, 6, 5, 4, 3), second.items());
    var third = Paging.apply(versions, String::valueOf, RangeSpec.parse(second.headers().get("Next-Range"), "version"));
    assertEquals(200, third.status());
    assertEquals(List.of(2, 1), third.items());
    var window = Paging.apply(versions, String::valueOf, RangeSpec.parse("version 3..5", "version"));
    assertEquals(List.of(3, 4, 5), window.items());
    assertEquals("version 3..5; max=200", window.headers().get("Content-Range"));
  }
}
