package org.sdij.ij;

import org.junit.platform.engine.EngineDiscoveryRequest;
import org.junit.platform.engine.ExecutionRequest;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestEngine;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.support.descriptor.EngineDescriptor;

/**
 * A test engine without tests, listed in META-INF/services so the JUnit launcher creates it before it
 * discovers any test class. Creating it runs {@link ImageJHarness}: ij1-patcher must rewrite ImageJ's
 * classes before the JVM loads them, and discovering a test class already loads the ij classes its
 * methods name (the verifier loads them to check that a CompositeImage is an ImagePlus, for instance).
 */
public final class ImageJPreinitEngine implements TestEngine {

    static {
        try {
            ImageJHarness.init();
        } catch (Throwable t) { // the ImageJ tests will fail on it; the rest of the suite still runs
            System.err.println("sd-ij: could not prepare ImageJ for the tests: " + t);
        }
    }

    @Override
    public String getId() {
        return "sdij-imagej-preinit";
    }

    @Override
    public TestDescriptor discover(EngineDiscoveryRequest request, UniqueId uniqueId) {
        return new EngineDescriptor(uniqueId, "ImageJ 1 patched for tests");
    }

    @Override
    public void execute(ExecutionRequest request) {
        TestDescriptor root = request.getRootTestDescriptor();
        request.getEngineExecutionListener().executionStarted(root);
        request.getEngineExecutionListener().executionFinished(root, TestExecutionResult.successful());
    }
}
