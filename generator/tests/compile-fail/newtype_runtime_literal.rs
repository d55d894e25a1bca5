// Nor through the runtime's type itself: `Constrained`'s fields are private to codegen-runtime.
use codegen_runtime::newtype::Constrained;
use generated::kejue::models::WebhookCreateTimeoutMsRules_;

fn main() {
    let _unchecked: Constrained<WebhookCreateTimeoutMsRules_> = Constrained(5, std::marker::PhantomData);
}
