package io.github.jchannels.benchmarks.load;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * CPU time and allocation of this process, split into the load side (the client threads) and
 * the rest (the server under test, its publisher, GC and JIT), from the JDK's own counters.
 */
final class Probe {
  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final ThreadMXBean THREADS =
      (ThreadMXBean) ManagementFactory.getThreadMXBean();

  static {
    THREADS.setThreadAllocatedMemoryEnabled(true);
    THREADS.setThreadCpuTimeEnabled(true);
  }

  /** One reading. */
  record Snapshot(long wallNanos, long processCpu, long clientCpu, long serverAlloc,
      long clientAlloc, Map<Long, Long> allocByThread, Map<Long, Long> cpuByThread,
      Map<Long, String> groupByThread, long writeSyscalls, long readSyscalls) {}

  /** {syscw, syscr} of this process from /proc/self/io, or {-1, -1}. */
  static long[] syscalls() {
    long w = -1;
    long r = -1;
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (l.startsWith("syscw:")) {
          w = Long.parseLong(l.substring(6).trim());
        } else if (l.startsWith("syscr:")) {
          r = Long.parseLong(l.substring(6).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
    return new long[] {w, r};
  }

  /** The group of a thread, by name: where the server's time goes. */
  static String group(String name) {
    if (name.startsWith("WebSocketSelector")) {
      return "selector";
    }
    if (name.startsWith("WebSocketWorker")) {
      return "decoders";
    }
    if (name.equals("main") || name.startsWith("bench-publisher")) {
      return "publisher";
    }
    if (name.startsWith("bench-client") || name.startsWith("idle-client")) {
      return "client";
    }
    if (name.startsWith("HttpClient")) {
      return "http-client";
    }
    return "other-threads";
  }

  private final Set<Long> clientThreads;

  Probe(Set<Long> clientThreads) {
    this.clientThreads = clientThreads;
  }

  Snapshot take() {
    long[] ids = THREADS.getAllThreadIds();
    long[] alloc = THREADS.getThreadAllocatedBytes(ids);
    Map<Long, Long> byThread = new HashMap<>();
    long server = 0;
    long client = 0;
    for (int i = 0; i < ids.length; i++) {
      if (alloc[i] < 0) {
        continue;
      }
      byThread.put(ids[i], alloc[i]);
      if (clientThreads.contains(ids[i])) {
        client += alloc[i];
      } else {
        server += alloc[i];
      }
    }
    long clientCpu = 0;
    for (long id : clientThreads) {
      long t = THREADS.getThreadCpuTime(id);
      clientCpu += Math.max(0, t);
    }
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, String> groups = new HashMap<>();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long t = THREADS.getThreadCpuTime(ids[i]);
      if (t >= 0 && infos[i] != null) {
        cpu.put(ids[i], t);
        groups.put(ids[i], group(infos[i].getThreadName()));
      }
    }
    long[] sys = syscalls();
    return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), clientCpu, server, client,
        byThread, cpu, groups, sys[0], sys[1]);
  }

  /**
   * CPU seconds per thread group between two snapshots, plus "gc/jit/exited": process CPU not
   * in any live Java thread (GC and compiler threads, threads that ended).
   */
  static Map<String, Double> cpuByGroup(Snapshot a, Snapshot b) {
    Map<String, Double> out = new TreeMap<>();
    double threads = 0;
    for (Map.Entry<Long, Long> e : b.cpuByThread().entrySet()) {
      long before = a.cpuByThread().getOrDefault(e.getKey(), 0L);
      double d = Math.max(0, e.getValue() - before) / 1e9;
      threads += d;
      out.merge(b.groupByThread().get(e.getKey()), d, Double::sum);
    }
    out.put("gc/jit/exited", Math.max(0, (b.processCpu() - a.processCpu()) / 1e9 - threads));
    return out;
  }

  /** Allocation by non-client threads between two snapshots (threads born since count from 0). */
  long serverAllocBetween(Snapshot a, Snapshot b) {
    long sum = 0;
    for (Map.Entry<Long, Long> e : b.allocByThread().entrySet()) {
      if (clientThreads.contains(e.getKey())) {
        continue;
      }
      long before = a.allocByThread().getOrDefault(e.getKey(), 0L);
      sum += Math.max(0, e.getValue() - before);
    }
    return sum;
  }

  /** Heap used after a full GC, in bytes. */
  static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
