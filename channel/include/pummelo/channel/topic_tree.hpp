// Subscription tree: which sessions subscribe to filters matching a topic.
#pragma once
// CONTRACT ONLY (to be implemented): see the helper brief.
