package org.sdij.io;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that never executes anything. It builds plain Java values (String, Long, BigInteger,
 * Double, Boolean, null, byte[], ArrayList, {@link Tuple}, LinkedHashMap, LinkedHashSet) and hands every
 * global, call and persistent id to a {@link Policy}, which refuses what it does not know. The machine is
 * iterative (no recursion), every length is checked against the bytes left before anything is allocated,
 * and the number of values it may create is bounded, so hostile input fails with a WeightFormatException.
 */
final class Pickle {

    /** Decides what globals mean; the only way a pickle can reach anything beyond plain data. */
    interface Policy {
        /** The value GLOBAL / STACK_GLOBAL pushes; must throw for anything not known to be harmless. */
        Object global(String module, String name, long at) throws WeightFormatException;

        /** REDUCE (and NEWOBJ): {@code callable} is a value {@link #global} returned, or anything else on the stack. */
        Object call(Object callable, List<Object> args, long at) throws WeightFormatException;

        Object persistentLoad(Object pid, long at) throws WeightFormatException;

        /** BUILD on anything but a dict: apply or ignore {@code state}, or throw. */
        void build(Object target, Object state, long at) throws WeightFormatException;
    }

    /** An immutable Python tuple. */
    record Tuple(List<Object> items) {
        static Tuple of(List<Object> items) {
            return new Tuple(Collections.unmodifiableList(new ArrayList<>(items)));
        }
    }

    /**
     * torch.save makes ~25 values per tensor, so a full training checkpoint (weights, EMA and optimizer
     * state) makes a few hundred thousand; the bound keeps a hostile pickle to a few hundred MB of heap.
     */
    static final long MAX_VALUES = 4_000_000L;
    static final int MAX_MEMO = 2_000_000;
    private static final int MAX_LINE = 1024;
    private static final int MAX_KEY_DEPTH = 32;

    private final ByteBuffer in;
    private final Policy policy;
    private final String origin;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long values;
    private long opStart;

    private Pickle(ByteBuffer in, Policy policy, String origin) {
        this.in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.policy = policy;
        this.origin = origin;
    }

    /** The object the pickle in {@code bytes} describes; {@code origin} names it in error messages. */
    static Object load(ByteBuffer bytes, Policy policy, String origin) throws WeightFormatException {
        return new Pickle(bytes, policy, origin).run();
    }

    private Object run() throws WeightFormatException {
        while (true) {
            if (!in.hasRemaining()) throw bad("ends without a STOP opcode (truncated?)");
            opStart = in.position();
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int version = u8();
                    if (version > 5) throw bad("uses pickle protocol " + version + ", newer than 5");
                }
                case 0x95 -> { // FRAME: framing is only a hint for buffered readers
                    long length = in.getLong(need(8));
                    if (length < 0 || length > in.remaining()) throw bad("has a frame longer than the data left");
                }
                case 0x2e -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw bad("stops with " + stack.size() + " values on its stack");
                    return stack.get(0);
                }
                case 0x28 -> marks.add(stack.size()); // MARK
                case 0x30 -> pop(); // POP
                case 0x31 -> popMark(); // POP_MARK
                case 0x32 -> push(peek()); // DUP
                case 0x4e -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 0x4a -> push((long) in.getInt(need(4))); // BININT
                case 0x4b -> push((long) u8()); // BININT1
                case 0x4d -> push((long) (in.getShort(need(2)) & 0xffff)); // BININT2
                case 0x8a -> push(longOf(bytes(u8()))); // LONG1
                case 0x8b -> push(longOf(bytes(length(in.getInt(need(4)) & 0xffffffffL)))); // LONG4
                case 0x47 -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong(need(8))))); // BINFLOAT (big-endian)
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x58 -> push(utf8(length(in.getInt(need(4)) & 0xffffffffL))); // BINUNICODE
                case 0x8d -> push(utf8(length(in.getLong(need(8))))); // BINUNICODE8
                case 0x55 -> push(latin1(u8())); // SHORT_BINSTRING (a Python 2 str)
                case 0x54 -> push(latin1(length(in.getInt(need(4))))); // BINSTRING
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x42 -> push(bytes(length(in.getInt(need(4)) & 0xffffffffL))); // BINBYTES
                case 0x8e -> push(bytes(length(in.getLong(need(8))))); // BINBYTES8
                case 0x29 -> push(Tuple.of(List.of())); // EMPTY_TUPLE
                case 0x74 -> push(Tuple.of(popMark())); // TUPLE
                case 0x85 -> push(Tuple.of(popN(1))); // TUPLE1
                case 0x86 -> push(Tuple.of(popN(2))); // TUPLE2
                case 0x87 -> push(Tuple.of(popN(3))); // TUPLE3
                case 0x5d -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x6c -> push(new ArrayList<>(popMark())); // LIST
                case 0x61 -> list(peekBelow(1)).add(pop()); // APPEND
                case 0x65 -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 0x7d -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x64 -> { // DICT
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putPairs(dict, popMark());
                    push(dict);
                }
                case 0x73 -> { // SETITEM
                    List<Object> pair = popN(2);
                    putPairs(dict(peek()), pair);
                }
                case 0x75 -> { // SETITEMS
                    List<Object> pairs = popMark();
                    putPairs(dict(peek()), pairs);
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Set<Object> set = set(peek());
                    for (Object item : items) set.add(hashable(item, 0));
                }
                case 0x91 -> { // FROZENSET
                    Set<Object> set = new LinkedHashSet<>();
                    for (Object item : popMark()) set.add(hashable(item, 0));
                    push(Collections.unmodifiableSet(set));
                }
                case 0x71 -> memoPut(u8()); // BINPUT
                case 0x72 -> memoPut(in.getInt(need(4)) & 0xffffffffL); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 0x68 -> push(memoGet(u8())); // BINGET
                case 0x6a -> push(memoGet(in.getInt(need(4)) & 0xffffffffL)); // LONG_BINGET
                case 0x63 -> { // GLOBAL
                    String module = line();
                    String name = line();
                    push(policy.global(module, name, opStart));
                }
                case 0x93 -> { // STACK_GLOBAL
                    List<Object> names = popN(2);
                    if (!(names.get(0) instanceof String module) || !(names.get(1) instanceof String name)) {
                        throw bad("has a STACK_GLOBAL whose module and name are not strings");
                    }
                    push(policy.global(module, name, opStart));
                }
                case 0x52 -> { // REDUCE
                    List<Object> args = tuple(pop());
                    push(policy.call(pop(), args, opStart));
                }
                case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args)
                    List<Object> args = tuple(pop());
                    push(policy.call(pop(), args, opStart));
                }
                case 0x51 -> push(policy.persistentLoad(pop(), opStart)); // BINPERSID
                case 0x62 -> { // BUILD
                    Object state = pop();
                    Object target = peek();
                    if (target instanceof Map<?, ?> && state instanceof Map<?, ?> entries) {
                        List<Object> pairs = new ArrayList<>();
                        entries.forEach((k, v) -> {
                            pairs.add(k);
                            pairs.add(v);
                        });
                        putPairs(dict(target), pairs);
                    } else {
                        policy.build(target, state, opStart);
                    }
                }
                default -> throw bad("uses pickle opcode 0x" + Integer.toHexString(op)
                        + " ('" + (char) op + "'), which a tensor checkpoint does not need");
            }
        }
    }

    private void push(Object value) throws WeightFormatException {
        if (++values > MAX_VALUES) throw bad("builds more than " + MAX_VALUES + " values");
        stack.add(value);
    }

    private Object pop() throws WeightFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw bad("pops from an empty stack");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws WeightFormatException {
        return peekBelow(0);
    }

    private Object peekBelow(int depth) throws WeightFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() - depth <= floor) throw bad("reads from an empty stack");
        return stack.get(stack.size() - 1 - depth);
    }

    private List<Object> popN(int n) throws WeightFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() - n < floor) throw bad("pops " + n + " values from a stack holding fewer");
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private List<Object> popMark() throws WeightFormatException {
        if (marks.isEmpty()) throw bad("closes a MARK it never opened");
        int mark = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(mark, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void memoPut(long key) throws WeightFormatException {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(key)) throw bad("stores more than " + MAX_MEMO + " memo slots");
        memo.put(key, peek());
    }

    private Object memoGet(long key) throws WeightFormatException {
        Object value = memo.get(key);
        if (value == null && !memo.containsKey(key)) throw bad("refers to memo slot " + key + ", never stored");
        return value;
    }

    private void putPairs(Map<Object, Object> dict, List<Object> pairs) throws WeightFormatException {
        if (pairs.size() % 2 != 0) throw bad("sets a dict item without a value");
        for (int i = 0; i < pairs.size(); i += 2) dict.put(hashable(pairs.get(i), 0), pairs.get(i + 1));
    }

    /**
     * Python refuses unhashable keys; here they would also risk unbounded recursion in hashCode (a list
     * that holds itself), so only scalars, strings, policy values and shallow tuples of them may be keys.
     */
    private Object hashable(Object key, int depth) throws WeightFormatException {
        if (key instanceof List<?> || key instanceof Map<?, ?> || key instanceof Set<?> || key instanceof byte[]) {
            throw bad("uses an unhashable " + describe(key) + " as a dict key or set item");
        }
        if (key instanceof Tuple t) {
            if (depth > MAX_KEY_DEPTH) throw bad("uses a tuple nested too deeply as a key");
            for (Object item : t.items()) hashable(item, depth + 1);
        }
        return key;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object value) throws WeightFormatException {
        if (value instanceof LinkedHashMap<?, ?> map) return (Map<Object, Object>) map;
        throw bad("sets items on " + describe(value) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value) throws WeightFormatException {
        if (value instanceof ArrayList<?> list) return (List<Object>) list;
        throw bad("appends to " + describe(value) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object value) throws WeightFormatException {
        if (value instanceof LinkedHashSet<?> set) return (Set<Object>) set;
        throw bad("adds items to " + describe(value) + ", not a set");
    }

    private List<Object> tuple(Object value) throws WeightFormatException {
        if (value instanceof Tuple t) return t.items();
        throw bad("calls with " + describe(value) + " as arguments, not a tuple");
    }

    private int need(int n) throws WeightFormatException {
        if (in.remaining() < n) throw bad("ends inside an opcode (truncated?)");
        int at = in.position();
        in.position(at + n);
        return at;
    }

    private int u8() throws WeightFormatException {
        return in.get(need(1)) & 0xff;
    }

    /** A declared length, checked against the bytes that are left before anything is allocated. */
    private int length(long declared) throws WeightFormatException {
        if (declared < 0 || declared > in.remaining()) {
            throw bad("declares a value of " + declared + " bytes with only " + in.remaining() + " bytes left");
        }
        return (int) declared;
    }

    private byte[] bytes(int n) throws WeightFormatException {
        byte[] out = new byte[length(n)];
        in.get(out);
        return out;
    }

    private String utf8(int n) throws WeightFormatException {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String latin1(int n) throws WeightFormatException {
        return new String(bytes(n), StandardCharsets.ISO_8859_1);
    }

    private String line() throws WeightFormatException {
        int start = in.position();
        int limit = Math.min(in.limit(), start + MAX_LINE);
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                String text = new String(bytes(i - start), StandardCharsets.UTF_8);
                in.get();
                return text;
            }
        }
        throw bad("has a GLOBAL name that is unterminated or longer than " + MAX_LINE + " bytes");
    }

    /** Little-endian two's complement, as LONG1 / LONG4 store it. */
    private static Object longOf(byte[] littleEndian) {
        byte[] bigEndian = new byte[littleEndian.length];
        for (int i = 0; i < littleEndian.length; i++) bigEndian[i] = littleEndian[littleEndian.length - 1 - i];
        BigInteger value = bigEndian.length == 0 ? BigInteger.ZERO : new BigInteger(bigEndian);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    /** A short name for a value's type; never prints the value (it may be huge or hold itself). */
    static String describe(Object value) {
        if (value == null) return "None";
        if (value instanceof Tuple t) return "a tuple of " + t.items().size();
        if (value instanceof List<?> l) return "a list of " + l.size();
        if (value instanceof Map<?, ?> m) return "a dict of " + m.size();
        if (value instanceof String s) return "the string '" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
        if (value instanceof Long || value instanceof Boolean || value instanceof Double) return value.toString();
        if (value instanceof byte[] b) return "bytes of length " + b.length;
        return value.getClass().getSimpleName();
    }

    private WeightFormatException bad(String what) {
        return new WeightFormatException("The pickle in " + origin + " " + what + " (at byte " + opStart + ").");
    }
}
