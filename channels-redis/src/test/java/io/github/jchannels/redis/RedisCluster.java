package io.github.jchannels.redis;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A real Redis Cluster for tests: three primaries (no replicas) started by {@link RedisProcess}
 * with {@code --cluster-enabled yes} on free loopback ports, their config files in a temporary
 * directory. The slots are split in three ranges ({@code CLUSTER ADDSLOTS}), the nodes meet
 * ({@code CLUSTER MEET}), and {@link #start()} returns once every node reports
 * {@code cluster_state:ok} with all 16384 slots and three known nodes (a bounded wait on that
 * condition). {@link #close()} stops every process by its PID and deletes the directory.
 */
final class RedisCluster implements AutoCloseable {
  static final int SLOTS = 16384;
  private static final Duration FORMED = Duration.ofSeconds(60);

  private final Path dir;
  private final List<RedisProcess> nodes = new ArrayList<>();
  private final List<RedisClient> admins = new ArrayList<>();
  private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();

  private RedisCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts three primaries and forms the cluster. */
  static RedisCluster start() throws IOException, InterruptedException {
    RedisProcess.binary();
    RedisCluster c = new RedisCluster(Files.createTempDirectory("channels-redis-cluster"));
    try {
      for (int i = 0; i < 3; i++) {
        c.nodes.add(RedisProcess.start(port -> List.of("--cluster-enabled", "yes",
            "--cluster-config-file", c.dir.resolve("nodes-" + port + ".conf").toString(),
            "--cluster-node-timeout", "5000")));
      }
      for (RedisProcess n : c.nodes) {
        RedisClient client = RedisClient.create(RedisURI.create(n.uri()));
        c.admins.add(client);
        c.connections.add(client.connect());
      }
      for (int i = 0; i < 3; i++) {
        int[] slots = IntStream.range(first(i), first(i + 1)).toArray();
        c.admin(i).clusterAddSlots(slots);
      }
      for (int i = 1; i < 3; i++) {
        c.admin(0).clusterMeet("127.0.0.1", c.nodes.get(i).port());
      }
      c.awaitFormed();
      return c;
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      c.close();
      throw e;
    }
  }

  /** The first slot of primary {@code i} (0-2); {@code first(3)} is {@link #SLOTS}. */
  static int first(int i) {
    return i * SLOTS / 3;
  }

  /** The primary (0-2) that owns the slot of {@code key}. */
  static int owner(String key) {
    int slot = SlotHash.getSlot(key);
    for (int i = 0; i < 3; i++) {
      if (slot < first(i + 1)) {
        return i;
      }
    }
    throw new IllegalStateException("slot " + slot);
  }

  private void awaitFormed() {
    await().atMost(FORMED).pollInterval(Duration.ofMillis(50))
        .alias("every node reports cluster_state:ok with all slots and three nodes")
        .until(() -> IntStream.range(0, 3).allMatch(i -> {
          String info = admin(i).clusterInfo();
          return info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:" + SLOTS)
              && info.contains("cluster_known_nodes:3");
        }));
  }

  /**
   * Moves {@code slot} with its keys from primary {@code from} to primary {@code to}, as
   * {@code redis-cli --cluster reshard} does: IMPORTING / MIGRATING, MIGRATE of every key, then
   * SETSLOT NODE on every primary.
   */
  void moveSlot(int slot, int from, int to) {
    String target = admin(to).clusterMyId();
    String source = admin(from).clusterMyId();
    admin(to).clusterSetSlotImporting(slot, source);
    admin(from).clusterSetSlotMigrating(slot, target);
    List<String> keys = admin(from).clusterGetKeysInSlot(slot, 1000);
    if (!keys.isEmpty()) {
      admin(from).migrate("127.0.0.1", nodes.get(to).port(), 0, 5000,
          MigrateArgs.Builder.keys(keys));
    }
    admin(to).clusterSetSlotNode(slot, target);
    admin(from).clusterSetSlotNode(slot, target);
    for (int i = 0; i < 3; i++) {
      if (i != from && i != to) {
        admin(i).clusterSetSlotNode(slot, target);
      }
    }
  }

  /** A plain (non-cluster) admin connection to primary {@code i}. */
  RedisCommands<String, String> admin(int i) {
    return connections.get(i).sync();
  }

  /** The seed URIs of every primary. */
  List<String> seeds() {
    return nodes.stream().map(RedisProcess::uri).toList();
  }

  @Override
  public void close() {
    for (StatefulRedisConnection<String, String> c : connections) {
      c.close();
    }
    for (RedisClient a : admins) {
      a.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    for (RedisProcess n : nodes) {
      n.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
