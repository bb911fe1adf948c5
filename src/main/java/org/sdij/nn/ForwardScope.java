package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Frees a forward pass's intermediates as it goes. {@link #run} wraps a whole pass: an {@link NDScope}
 * closes every array created during it whatever its manager (an op's result joins its first operand's
 * manager, so ops on weights would otherwise leave arrays in the long-lived weights' manager); a
 * temporary sub-manager owns the constants the pass creates; only the returned arrays survive, attached
 * to {@code owner}. {@link #block} wraps one block inside a pass so that its intermediates are closed
 * as soon as it returns instead of at the end of the pass (peak memory is then one block's working set).
 */
public final class ForwardScope {
    private ForwardScope() {}

    public static NDList run(NDManager owner, Function<NDManager, NDList> pass) {
        try (NDManager temp = owner.newSubManager(); NDScope scope = new NDScope()) {
            NDList results = pass.apply(temp);
            for (NDArray result : results) {
                NDScope.unregister(result);
                result.attach(owner);
            }
            return results;
        }
    }

    public static NDArray runSingle(NDManager owner, Function<NDManager, NDArray> pass) {
        return run(owner, temp -> new NDList(pass.apply(temp))).singletonOrThrow();
    }

    /**
     * Runs {@code body}, closes every array it created except its result, and hands the result to the
     * enclosing scope (if any). {@code body} must return an array it created, never one of its inputs.
     */
    public static NDArray block(Supplier<NDArray> body) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = body.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }
}
